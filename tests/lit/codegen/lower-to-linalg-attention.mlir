// nnc-lower-to-linalg: the attention ops become nn.attention_kernel ops on
// tensors, written into tensor.empty outputs (dynamic dims from q); an
// nn.attention_lse of the same q, k, mask and scale as an nn.attention (the
// gradient's) is the forward kernel's second output; they bufferize into
// the memref form.
// RUN: nnc-opt %s --nnc-lower-to-linalg | FileCheck %s
// RUN: nnc-opt %s --nnc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s --check-prefix=MEM

// CHECK-LABEL: func.func @forward_and_grad
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<?x4x32x16xf32>, %[[K:[^:]*]]: tensor<?x4x32x16xf32>, %[[V:[^:]*]]: tensor<?x4x32x8xf32>, %[[M:[^:]*]]: tensor<32x32xf32>, %[[G:[^:]*]]: tensor<?x4x32x8xf32>, %[[D:[^:]*]]: tensor<?x4x32xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[Q]], %c0
// CHECK: %[[E0:.*]] = tensor.empty(%[[N]]) : tensor<?x4x32x8xf32>
// CHECK: %[[E1:.*]] = tensor.empty(%{{.*}}) : tensor<?x4x32xf32>
// CHECK: %[[F:.*]]:2 = nn.attention_kernel ins(%[[Q]], %[[K]], %[[V]], %[[M]] : {{.*}}) outs(%[[E0]], %[[E1]] : tensor<?x4x32x8xf32>, tensor<?x4x32xf32>) {kind = "forward", masked, scale = 2.500000e-01 : f64}
// CHECK: nn.attention_kernel ins(%[[Q]], %[[K]], %[[V]], %[[F]]#1, %[[D]], %[[G]], %[[M]] : {{.*}}) outs(%{{.*}} : tensor<?x4x32x16xf32>) {kind = "grad_k", masked, scale = 2.500000e-01 : f64}
// CHECK-NOT: nn.attention_lse
// CHECK-NOT: nn.attention_grad
// MEM-LABEL: func.func @forward_and_grad
// MEM: %[[O:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?x4x32x8xf32>
// MEM: %[[L:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<?x4x32xf32>
// MEM: nn.attention_kernel ins({{.*}} : memref<?x4x32x16xf32>, memref<?x4x32x16xf32>, memref<?x4x32x8xf32>, memref<32x32xf32>) outs(%[[O]], %[[L]] : memref<?x4x32x8xf32>, memref<?x4x32xf32>) {kind = "forward", masked, scale = 2.500000e-01 : f64}
// MEM-NOT: ->
// MEM: nn.attention_kernel ins({{.*}}%[[L]]{{.*}}) outs(%{{.*}} : memref<?x4x32x16xf32>) {kind = "grad_k", masked
func.func @forward_and_grad(%q: tensor<?x4x32x16xf32>, %k: tensor<?x4x32x16xf32>,
                            %v: tensor<?x4x32x8xf32>, %m: tensor<32x32xf32>,
                            %g: tensor<?x4x32x8xf32>, %d: tensor<?x4x32xf32>)
    -> (tensor<?x4x32x8xf32>, tensor<?x4x32x16xf32>) {
  %o = nn.attention %q, %k, %v, %m {scale = 2.5e-01 : f64} : tensor<?x4x32x16xf32>, tensor<?x4x32x16xf32>, tensor<?x4x32x8xf32>, tensor<32x32xf32> -> tensor<?x4x32x8xf32>
  %l = nn.attention_lse %q, %k, %m {scale = 2.5e-01 : f64} : tensor<?x4x32x16xf32>, tensor<?x4x32x16xf32>, tensor<32x32xf32> -> tensor<?x4x32xf32>
  %dk = nn.attention_grad %q, %k, %v, %l, %d, %g, %m {scale = 2.5e-01 : f64, wrt = "k"} : tensor<?x4x32x16xf32>, tensor<?x4x32x16xf32>, tensor<?x4x32x8xf32>, tensor<?x4x32xf32>, tensor<?x4x32xf32>, tensor<?x4x32x8xf32>, tensor<32x32xf32> -> tensor<?x4x32x16xf32>
  return %o, %dk : tensor<?x4x32x8xf32>, tensor<?x4x32x16xf32>
}



// An nn.attention_lse alone (another scale than the forward's) has a kernel
// of its own.
// CHECK-LABEL: func.func @lse_alone
// CHECK: nn.attention_kernel ins(%{{.*}}, %{{.*}}, %{{.*}} : {{.*}}) outs(%{{.*}} : tensor<2x8x4xf32>) {kind = "forward", scale = 1.000000e+00 : f64}
// CHECK: nn.attention_kernel ins(%{{.*}}, %{{.*}} : {{.*}}) outs(%{{.*}} : tensor<2x8xf32>) {kind = "lse", scale = 5.000000e-01 : f64}
// MEM-LABEL: func.func @lse_alone
func.func @lse_alone(%q: tensor<2x8x4xf32>) -> (tensor<2x8x4xf32>, tensor<2x8xf32>) {
  %o = nn.attention %q, %q, %q {scale = 1.0 : f64} : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32> -> tensor<2x8x4xf32>
  %l = nn.attention_lse %q, %q {scale = 5.0e-01 : f64} : tensor<2x8x4xf32>, tensor<2x8x4xf32> -> tensor<2x8xf32>
  return %o, %l : tensor<2x8x4xf32>, tensor<2x8xf32>
}

// Cross-attention, 12 queries and ?-many keys: dk's empty output takes its
// dynamic key count from k, the forward's from q.
// CHECK-LABEL: func.func @cross
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<?x12x16xf32>, %[[K:[^:]*]]: tensor<?x?x16xf32>
// CHECK: %[[NQ:.*]] = tensor.dim %[[Q]], %c0
// CHECK: tensor.empty(%[[NQ]]) : tensor<?x12x8xf32>
// CHECK: %[[NK:.*]] = tensor.dim %[[K]], %c0
// CHECK: %[[TK:.*]] = tensor.dim %[[K]], %c1
// CHECK: tensor.empty(%[[NK]], %[[TK]]) : tensor<?x?x16xf32>
// CHECK: kind = "grad_k"
func.func @cross(%q: tensor<?x12x16xf32>, %k: tensor<?x?x16xf32>, %v: tensor<?x?x8xf32>,
                 %l: tensor<?x12xf32>, %d: tensor<?x12xf32>, %g: tensor<?x12x8xf32>)
    -> (tensor<?x12x8xf32>, tensor<?x?x16xf32>) {
  %o = nn.attention %q, %k, %v {scale = 1.0 : f64} : tensor<?x12x16xf32>, tensor<?x?x16xf32>, tensor<?x?x8xf32> -> tensor<?x12x8xf32>
  %dk = nn.attention_grad %q, %k, %v, %l, %d, %g {scale = 1.0 : f64, wrt = "k"} : tensor<?x12x16xf32>, tensor<?x?x16xf32>, tensor<?x?x8xf32>, tensor<?x12xf32>, tensor<?x12xf32>, tensor<?x12x8xf32> -> tensor<?x?x16xf32>
  return %o, %dk : tensor<?x12x8xf32>, tensor<?x?x16xf32>
}

// The gradients for k and v of the same operands: one grad_kv kernel, dk
// then dv, where the first of them was.
// CHECK-LABEL: func.func @grad_kv
// CHECK: %[[KV:.*]]:2 = nn.attention_kernel ins({{.*}}) outs(%{{.*}}, %{{.*}} : tensor<2x8x4xf32>, tensor<2x8x6xf32>) {kind = "grad_kv", scale = 5.000000e-01 : f64}
// CHECK-NOT: nn.attention_kernel
// CHECK: return %[[KV]]#1, %[[KV]]#0
func.func @grad_kv(%q: tensor<2x8x4xf32>, %v: tensor<2x8x6xf32>, %l: tensor<2x8xf32>,
                   %g: tensor<2x8x6xf32>) -> (tensor<2x8x6xf32>, tensor<2x8x4xf32>) {
  %dv = nn.attention_grad %q, %q, %v, %l, %l, %g {scale = 5.0e-01 : f64, wrt = "v"} : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x6xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x6xf32> -> tensor<2x8x6xf32>
  %dk = nn.attention_grad %q, %q, %v, %l, %l, %g {scale = 5.0e-01 : f64, wrt = "k"} : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x6xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x6xf32> -> tensor<2x8x4xf32>
  return %dv, %dk : tensor<2x8x6xf32>, tensor<2x8x4xf32>
}
