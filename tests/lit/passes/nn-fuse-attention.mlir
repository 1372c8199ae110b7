// nn-fuse-attention: softmax(q @ kT * c + mask, axis=-1) @ v becomes one
// nn.attention (k = the transpose of kT); the scale by mul (either side) or
// div, the mask (either side of the add) optional. Not matched: a value of
// the chain used twice, a mask computed from a param, a head size above 128,
// a softmax over another axis, broadcast batch dims, integer dtypes, a
// constant divided by the scores, a mask of rank 3.
// RUN: nnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(nn-fuse-attention),nn-canonicalize)' | FileCheck %s

// CHECK-LABEL: func.func @masked
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<?x4x32x16xf32>, %[[KT:[^:]*]]: tensor<?x4x16x32xf32>, %[[V:[^:]*]]: tensor<?x4x32x8xf32>, %[[M:[^:]*]]: tensor<32x32xf32>
// CHECK: %[[K:.*]] = nn.transpose %[[KT]] {perm = array<i64: 0, 1, 3, 2>}
// CHECK: %[[O:.*]] = nn.attention %[[Q]], %[[K]], %[[V]], %[[M]] {scale = 2.500000e-01 : f64} : tensor<?x4x32x16xf32>, tensor<?x4x32x16xf32>, tensor<?x4x32x8xf32>, tensor<32x32xf32> -> tensor<?x4x32x8xf32>
// CHECK-NOT: nn.softmax
// CHECK: return %[[O]]
func.func @masked(%q: tensor<?x4x32x16xf32>, %kT: tensor<?x4x16x32xf32>,
                  %v: tensor<?x4x32x8xf32>,
                  %m: tensor<32x32xf32> {nn.role = "input"}) -> tensor<?x4x32x8xf32> {
  %c = nn.constant dense<2.500000e-01> : tensor<f32>
  %s = nn.matmul %q, %kT : tensor<?x4x32x16xf32>, tensor<?x4x16x32xf32> -> tensor<?x4x32x32xf32>
  %x = nn.mul %c, %s : tensor<f32>, tensor<?x4x32x32xf32> -> tensor<?x4x32x32xf32>
  %y = nn.add %m, %x : tensor<32x32xf32>, tensor<?x4x32x32xf32> -> tensor<?x4x32x32xf32>
  %p = nn.softmax %y {axis = 3 : i64} : tensor<?x4x32x32xf32> -> tensor<?x4x32x32xf32>
  %o = nn.matmul %p, %v : tensor<?x4x32x32xf32>, tensor<?x4x32x8xf32> -> tensor<?x4x32x8xf32>
  return %o : tensor<?x4x32x8xf32>
}

// -----

// The scale by div, no mask, rank 3, bf16; kT a transpose itself (the two
// transposes fold into none).
// CHECK-LABEL: func.func @div_rank3
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<2x8x4xbf16>, %[[K:[^:]*]]: tensor<2x8x4xbf16>
// CHECK-NOT: nn.transpose
// CHECK: nn.attention %[[Q]], %[[K]], %{{.*}} {scale = 5.000000e-01 : f64} : tensor<2x8x4xbf16>, tensor<2x8x4xbf16>, tensor<2x8x4xbf16> -> tensor<2x8x4xbf16>
func.func @div_rank3(%q: tensor<2x8x4xbf16>, %k: tensor<2x8x4xbf16>,
                     %v: tensor<2x8x4xbf16>) -> tensor<2x8x4xbf16> {
  %c = nn.constant dense<2.0> : tensor<bf16>
  %kT = nn.transpose %k {perm = array<i64: 0, 2, 1>} : tensor<2x8x4xbf16> -> tensor<2x4x8xbf16>
  %s = nn.matmul %q, %kT : tensor<2x8x4xbf16>, tensor<2x4x8xbf16> -> tensor<2x8x8xbf16>
  %x = nn.div %s, %c : tensor<2x8x8xbf16>, tensor<bf16> -> tensor<2x8x8xbf16>
  %p = nn.softmax %x {axis = 2 : i64} : tensor<2x8x8xbf16> -> tensor<2x8x8xbf16>
  %o = nn.matmul %p, %v : tensor<2x8x8xbf16>, tensor<2x8x4xbf16> -> tensor<2x8x4xbf16>
  return %o : tensor<2x8x4xbf16>
}

// -----

// No scale: scale 1.
// CHECK-LABEL: func.func @unscaled
// CHECK: nn.attention %{{.*}} {scale = 1.000000e+00 : f64}
func.func @unscaled(%q: tensor<2x8x4xf32>, %kT: tensor<2x4x8xf32>,
                    %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %s = nn.matmul %q, %kT : tensor<2x8x4xf32>, tensor<2x4x8xf32> -> tensor<2x8x8xf32>
  %p = nn.softmax %s {axis = 2 : i64} : tensor<2x8x8xf32> -> tensor<2x8x8xf32>
  %o = nn.matmul %p, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32> -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// The probabilities are returned too: not matched.
// CHECK-LABEL: func.func @probabilities_used
// CHECK-NOT: nn.attention
// CHECK: nn.softmax
func.func @probabilities_used(%q: tensor<2x8x4xf32>, %kT: tensor<2x4x8xf32>,
                              %v: tensor<2x8x4xf32>) -> (tensor<2x8x4xf32>, tensor<2x8x8xf32>) {
  %s = nn.matmul %q, %kT : tensor<2x8x4xf32>, tensor<2x4x8xf32> -> tensor<2x8x8xf32>
  %p = nn.softmax %s {axis = 2 : i64} : tensor<2x8x8xf32> -> tensor<2x8x8xf32>
  %o = nn.matmul %p, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32> -> tensor<2x8x4xf32>
  return %o, %p : tensor<2x8x4xf32>, tensor<2x8x8xf32>
}

// -----

// A mask made from a param would need a gradient: the add stays, the rest
// (scale 1, its scores the masked ones) is not matched either.
// CHECK-LABEL: func.func @param_mask
// CHECK-NOT: nn.attention
// CHECK: nn.softmax
func.func @param_mask(%q: tensor<2x8x4xf32>, %kT: tensor<2x4x8xf32>,
                      %v: tensor<2x8x4xf32>,
                      %m: tensor<8x8xf32> {nn.role = "param"}) -> tensor<2x8x4xf32> {
  %s = nn.matmul %q, %kT : tensor<2x8x4xf32>, tensor<2x4x8xf32> -> tensor<2x8x8xf32>
  %y = nn.add %s, %m : tensor<2x8x8xf32>, tensor<8x8xf32> -> tensor<2x8x8xf32>
  %p = nn.softmax %y {axis = 2 : i64} : tensor<2x8x8xf32> -> tensor<2x8x8xf32>
  %o = nn.matmul %p, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32> -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// A head size above 128 (each thread keeps a row in registers).
// CHECK-LABEL: func.func @wide_head
// CHECK-NOT: nn.attention
func.func @wide_head(%q: tensor<2x8x256xf32>, %kT: tensor<2x256x8xf32>,
                     %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %s = nn.matmul %q, %kT : tensor<2x8x256xf32>, tensor<2x256x8xf32> -> tensor<2x8x8xf32>
  %p = nn.softmax %s {axis = 2 : i64} : tensor<2x8x8xf32> -> tensor<2x8x8xf32>
  %o = nn.matmul %p, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32> -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// A softmax over the query axis is no attention.
// CHECK-LABEL: func.func @other_axis
// CHECK-NOT: nn.attention
func.func @other_axis(%q: tensor<2x8x4xf32>, %kT: tensor<2x4x8xf32>,
                      %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %s = nn.matmul %q, %kT : tensor<2x8x4xf32>, tensor<2x4x8xf32> -> tensor<2x8x8xf32>
  %p = nn.softmax %s {axis = 1 : i64} : tensor<2x8x8xf32> -> tensor<2x8x8xf32>
  %o = nn.matmul %p, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32> -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// Keys shared by every batch (broadcast batch dims): not matched.
// CHECK-LABEL: func.func @broadcast_keys
// CHECK-NOT: nn.attention
func.func @broadcast_keys(%q: tensor<2x8x4xf32>, %kT: tensor<1x4x8xf32>,
                          %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %s = nn.matmul %q, %kT : tensor<2x8x4xf32>, tensor<1x4x8xf32> -> tensor<2x8x8xf32>
  %p = nn.softmax %s {axis = 2 : i64} : tensor<2x8x8xf32> -> tensor<2x8x8xf32>
  %o = nn.matmul %p, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32> -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// Integer scores: not matched (and no attention of integers exists).
// CHECK-LABEL: func.func @integers
// CHECK-NOT: nn.attention
func.func @integers(%q: tensor<2x8x4xi32>, %kT: tensor<2x4x8xi32>,
                    %v: tensor<2x8x4xi32>) -> tensor<2x8x4xi32> {
  %s = nn.matmul %q, %kT : tensor<2x8x4xi32>, tensor<2x4x8xi32> -> tensor<2x8x8xi32>
  %f = nn.cast %s : tensor<2x8x8xi32> -> tensor<2x8x8xf32>
  %p = nn.softmax %f {axis = 2 : i64} : tensor<2x8x8xf32> -> tensor<2x8x8xf32>
  %pi = nn.cast %p : tensor<2x8x8xf32> -> tensor<2x8x8xi32>
  %o = nn.matmul %pi, %v : tensor<2x8x8xi32>, tensor<2x8x4xi32> -> tensor<2x8x4xi32>
  return %o : tensor<2x8x4xi32>
}

// -----

// c / s is no scale: not matched.
// CHECK-LABEL: func.func @constant_over_scores
// CHECK-NOT: nn.attention
func.func @constant_over_scores(%q: tensor<2x8x4xf32>, %kT: tensor<2x4x8xf32>,
                                %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %c = nn.constant dense<2.0> : tensor<f32>
  %s = nn.matmul %q, %kT : tensor<2x8x4xf32>, tensor<2x4x8xf32> -> tensor<2x8x8xf32>
  %x = nn.div %c, %s : tensor<f32>, tensor<2x8x8xf32> -> tensor<2x8x8xf32>
  %p = nn.softmax %x {axis = 2 : i64} : tensor<2x8x8xf32> -> tensor<2x8x8xf32>
  %o = nn.matmul %p, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32> -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// A mask [1, Tq, Tk] (the kernels take [Tq, Tk] only): not matched.
// CHECK-LABEL: func.func @rank3_mask
// CHECK-NOT: nn.attention
func.func @rank3_mask(%q: tensor<2x8x4xf32>, %kT: tensor<2x4x8xf32>,
                      %v: tensor<2x8x4xf32>,
                      %m: tensor<1x8x8xf32> {nn.role = "input"}) -> tensor<2x8x4xf32> {
  %s = nn.matmul %q, %kT : tensor<2x8x4xf32>, tensor<2x4x8xf32> -> tensor<2x8x8xf32>
  %y = nn.add %s, %m : tensor<2x8x8xf32>, tensor<1x8x8xf32> -> tensor<2x8x8xf32>
  %p = nn.softmax %y {axis = 2 : i64} : tensor<2x8x8xf32> -> tensor<2x8x8xf32>
  %o = nn.matmul %p, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32> -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}
