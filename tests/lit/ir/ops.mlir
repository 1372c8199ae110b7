// Every nn op parses, verifies and prints back to the same form.
// RUN: nnc-opt %s | nnc-opt | FileCheck %s
// RUN: nnc-opt %s --mlir-print-op-generic | nnc-opt | FileCheck %s

// CHECK-LABEL: func.func @constants
func.func @constants() -> (tensor<f32>, tensor<2x2xi64>, tensor<3xi1>) {
  // CHECK: nn.constant dense<5.000000e-01> : tensor<f32>
  %0 = nn.constant dense<0.5> : tensor<f32>
  // CHECK: nn.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi64>
  %1 = nn.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  // CHECK: nn.constant dense<[true, false, true]> : tensor<3xi1>
  %2 = nn.constant dense<[true, false, true]> : tensor<3xi1>
  return %0, %1, %2 : tensor<f32>, tensor<2x2xi64>, tensor<3xi1>
}

// CHECK-LABEL: func.func @binary
func.func @binary(%a: tensor<?x4xf32>, %b: tensor<4xf32>, %i: tensor<3xi32>, %j: tensor<i32>) {
  // CHECK: nn.add %{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %0 = nn.add %a, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  // CHECK: nn.sub %{{.*}}, %{{.*}} : tensor<3xi32>, tensor<i32> -> tensor<3xi32>
  %1 = nn.sub %i, %j : tensor<3xi32>, tensor<i32> -> tensor<3xi32>
  // CHECK: nn.mul %{{.*}}, %{{.*}} : tensor<4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  %2 = nn.mul %b, %a : tensor<4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  // CHECK: nn.div %{{.*}}, %{{.*}} : tensor<3xi32>, tensor<3xi32> -> tensor<3xi32>
  %3 = nn.div %i, %i : tensor<3xi32>, tensor<3xi32> -> tensor<3xi32>
  // CHECK: nn.maximum %{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %4 = nn.maximum %a, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  // CHECK: nn.minimum %{{.*}}, %{{.*}} : tensor<i32>, tensor<3xi32> -> tensor<3xi32>
  %5 = nn.minimum %j, %i : tensor<i32>, tensor<3xi32> -> tensor<3xi32>
  // CHECK: nn.pow %{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %6 = nn.pow %a, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  // CHECK: nn.compare "lt", %{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xi1>
  %7 = nn.compare "lt", %a, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xi1>
  // CHECK: nn.where %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x4xi1>, tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %8 = nn.where %7, %a, %b : tensor<?x4xi1>, tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return
}

// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<?x8xf32>, %i: tensor<5xi64>, %step: tensor<f32>) {
  // CHECK: nn.neg %{{.*}} : tensor<5xi64> -> tensor<5xi64>
  %0 = nn.neg %i : tensor<5xi64> -> tensor<5xi64>
  // CHECK: nn.abs %{{.*}} : tensor<?x8xf32> -> tensor<?x8xf32>
  %1 = nn.abs %x : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.exp
  %2 = nn.exp %x : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.log
  %3 = nn.log %x : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.sqrt
  %4 = nn.sqrt %x : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.rsqrt
  %5 = nn.rsqrt %x : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.tanh
  %6 = nn.tanh %x : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.sigmoid
  %7 = nn.sigmoid %x : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.relu
  %8 = nn.relu %x : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.silu
  %9 = nn.silu %x : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.gelu %{{.*}} {approximate = "tanh"} : tensor<?x8xf32> -> tensor<?x8xf32>
  %10 = nn.gelu %x {approximate = "tanh"} : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.cast %{{.*}} : tensor<?x8xf32> -> tensor<?x8xbf16>
  %11 = nn.cast %x : tensor<?x8xf32> -> tensor<?x8xbf16>
  // CHECK: nn.cast %{{.*}} : tensor<5xi64> -> tensor<5xi1>
  %12 = nn.cast %i : tensor<5xi64> -> tensor<5xi1>
  // CHECK: nn.dropout %{{.*}} {p = 5.000000e-01 : f64, seed = 7 : i64} : tensor<?x8xf32> -> tensor<?x8xf32>
  %13 = nn.dropout %x {p = 0.5 : f64, seed = 7 : i64} : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.dropout %{{.*}} {p = 5.000000e-01 : f64, seed = 7 : i64, training = true} : tensor<?x8xf32> -> tensor<?x8xf32>
  %14 = nn.dropout %x {p = 0.5 : f64, seed = 7 : i64, training = true} : tensor<?x8xf32> -> tensor<?x8xf32>
  // CHECK: nn.dropout %{{.*}}, %{{.*}} {p = 1.000000e-01 : f64, seed = 3 : i64, training = true} : tensor<?x8xf32>, tensor<f32> -> tensor<?x8xf32>
  %15 = nn.dropout %x, %step {p = 0.1 : f64, seed = 3 : i64, training = true} : tensor<?x8xf32>, tensor<f32> -> tensor<?x8xf32>
  return
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<?x10x3xf32>, %i: tensor<4x5xi32>) {
  // CHECK: nn.sum %{{.*}} {axes = array<i64: 1>, keepdims = false} : tensor<?x10x3xf32> -> tensor<?x3xf32>
  %0 = nn.sum %x {axes = array<i64: 1>, keepdims = false} : tensor<?x10x3xf32> -> tensor<?x3xf32>
  // CHECK: nn.mean %{{.*}} {axes = array<i64: 1, 2>, keepdims = true} : tensor<?x10x3xf32> -> tensor<?x1x1xf32>
  %1 = nn.mean %x {axes = array<i64: 1, 2>, keepdims = true} : tensor<?x10x3xf32> -> tensor<?x1x1xf32>
  // CHECK: nn.max %{{.*}} {axes = array<i64>, keepdims = false} : tensor<4x5xi32> -> tensor<i32>
  %2 = nn.max %i {axes = array<i64>, keepdims = false} : tensor<4x5xi32> -> tensor<i32>
  // CHECK: nn.min %{{.*}} {axes = array<i64>, keepdims = true} : tensor<4x5xi32> -> tensor<1x1xi32>
  %3 = nn.min %i {axes = array<i64>, keepdims = true} : tensor<4x5xi32> -> tensor<1x1xi32>
  // CHECK: nn.argmax %{{.*}} {axis = 1 : i64, keepdims = false} : tensor<?x10x3xf32> -> tensor<?x3xi64>
  %4 = nn.argmax %x {axis = 1 : i64, keepdims = false} : tensor<?x10x3xf32> -> tensor<?x3xi64>
  return
}

// CHECK-LABEL: func.func @normalizations
func.func @normalizations(%x: tensor<?x16x8x8xf32>, %c: tensor<16xf32>, %t: tensor<2x?x64xf32>, %g: tensor<64xf32>) {
  // CHECK: nn.softmax %{{.*}} {axis = 1 : i64} : tensor<?x16x8x8xf32> -> tensor<?x16x8x8xf32>
  %0 = nn.softmax %x {axis = 1 : i64} : tensor<?x16x8x8xf32> -> tensor<?x16x8x8xf32>
  // CHECK: nn.log_softmax %{{.*}} {axis = 3 : i64}
  %1 = nn.log_softmax %x {axis = 3 : i64} : tensor<?x16x8x8xf32> -> tensor<?x16x8x8xf32>
  // CHECK: nn.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64, eps = 1.000000e-05 : f64} : tensor<2x?x64xf32>, tensor<64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
  %2 = nn.layer_norm %t, %g, %g {axis = 2 : i64, eps = 1.0e-5 : f64} : tensor<2x?x64xf32>, tensor<64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
  // CHECK: nn.rms_norm %{{.*}}, %{{.*}} {axis = 2 : i64, eps = 9.9999999999999995E-7 : f64} : tensor<2x?x64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
  %3 = nn.rms_norm %t, %g {axis = 2 : i64, eps = 1.0e-6 : f64} : tensor<2x?x64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
  // CHECK: nn.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-05 : f64, momentum = 1.000000e-01 : f64, training = true} : tensor<?x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32> -> tensor<?x16x8x8xf32>
  %4 = nn.batch_norm %x, %c, %c, %c, %c {eps = 1.0e-5 : f64, momentum = 0.1 : f64, training = true} : tensor<?x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32> -> tensor<?x16x8x8xf32>
  return
}

// CHECK-LABEL: func.func @linear
func.func @linear(%x: tensor<?x3x32x32xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>,
                  %m: tensor<2x?x5x6xf16>, %n: tensor<6x7xf16>, %v: tensor<6xf16>) {
  // CHECK: nn.matmul %{{.*}}, %{{.*}} : tensor<2x?x5x6xf16>, tensor<6x7xf16> -> tensor<2x?x5x7xf16>
  %0 = nn.matmul %m, %n : tensor<2x?x5x6xf16>, tensor<6x7xf16> -> tensor<2x?x5x7xf16>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} : tensor<6xf16>, tensor<6x7xf16> -> tensor<7xf16>
  %1 = nn.matmul %v, %n : tensor<6xf16>, tensor<6x7xf16> -> tensor<7xf16>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} : tensor<6xf16>, tensor<6xf16> -> tensor<f16>
  %2 = nn.matmul %v, %v : tensor<6xf16>, tensor<6xf16> -> tensor<f16>
  // CHECK: nn.conv2d %{{.*}}, %{{.*}}, %{{.*}} {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<?x16x32x32xf32>
  %3 = nn.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<?x16x32x32xf32>
  // CHECK: nn.conv2d %{{.*}}, %{{.*}} {dilation = array<i64: 2, 2>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32> -> tensor<?x16x14x14xf32>
  %4 = nn.conv2d %x, %w {dilation = array<i64: 2, 2>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32> -> tensor<?x16x14x14xf32>
  // CHECK: nn.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x32x32xf32> -> tensor<?x3x16x16xf32>
  %5 = nn.max_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x32x32xf32> -> tensor<?x3x16x16xf32>
  // CHECK: nn.avg_pool2d %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<?x3x32x32xf32> -> tensor<?x3x32x32xf32>
  %6 = nn.avg_pool2d %x {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<?x3x32x32xf32> -> tensor<?x3x32x32xf32>
  // CHECK: nn.global_avg_pool %{{.*}} : tensor<?x3x32x32xf32> -> tensor<?x3xf32>
  %7 = nn.global_avg_pool %x : tensor<?x3x32x32xf32> -> tensor<?x3xf32>
  return
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<?x28x28xf32>, %s: tensor<3x4xf32>, %t: tensor<3x5xf32>, %i: tensor<?xi64>) {
  // CHECK: nn.reshape %{{.*}} {shape = array<i64: -1, 784>} : tensor<?x28x28xf32> -> tensor<?x784xf32>
  %0 = nn.reshape %x {shape = array<i64: -1, 784>} : tensor<?x28x28xf32> -> tensor<?x784xf32>
  // CHECK: nn.reshape %{{.*}} {shape = array<i64: 2, -1>} : tensor<3x4xf32> -> tensor<2x6xf32>
  %1 = nn.reshape %s {shape = array<i64: 2, -1>} : tensor<3x4xf32> -> tensor<2x6xf32>
  // CHECK: nn.transpose %{{.*}} {perm = array<i64: 0, 2, 1>} : tensor<?x28x28xf32> -> tensor<?x28x28xf32>
  %2 = nn.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<?x28x28xf32> -> tensor<?x28x28xf32>
  // CHECK: nn.flatten %{{.*}} {axis = 1 : i64} : tensor<?x28x28xf32> -> tensor<?x784xf32>
  %3 = nn.flatten %x {axis = 1 : i64} : tensor<?x28x28xf32> -> tensor<?x784xf32>
  // CHECK: nn.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<3x4xf32>, tensor<3x5xf32> -> tensor<3x9xf32>
  %4 = nn.concat %s, %t {axis = 1 : i64} : tensor<3x4xf32>, tensor<3x5xf32> -> tensor<3x9xf32>
  // CHECK: nn.slice %{{.*}} {axis = 1 : i64, end = 8 : i64, start = 2 : i64, step = 2 : i64} : tensor<3x5xf32> -> tensor<3x2xf32>
  %5 = nn.slice %t {axis = 1 : i64, end = 8 : i64, start = 2 : i64, step = 2 : i64} : tensor<3x5xf32> -> tensor<3x2xf32>
  // CHECK: nn.broadcast_to %{{.*}} {shape = array<i64: 2, 3, 4>} : tensor<3x4xf32> -> tensor<2x3x4xf32>
  %6 = nn.broadcast_to %s {shape = array<i64: 2, 3, 4>} : tensor<3x4xf32> -> tensor<2x3x4xf32>
  // CHECK: nn.gather %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<3x4xf32>, tensor<?xi64> -> tensor<?x4xf32>
  %7 = nn.gather %s, %i {axis = 0 : i64} : tensor<3x4xf32>, tensor<?xi64> -> tensor<?x4xf32>
  // CHECK: nn.embedding %{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<?xi64> -> tensor<?x4xf32>
  %8 = nn.embedding %s, %i : tensor<3x4xf32>, tensor<?xi64> -> tensor<?x4xf32>
  // CHECK: nn.scatter_add %{{.*}}, %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<3x4xf32>, tensor<?xi64>, tensor<?x4xf32> -> tensor<3x4xf32>
  %9 = nn.scatter_add %s, %i, %7 {axis = 0 : i64} : tensor<3x4xf32>, tensor<?xi64>, tensor<?x4xf32> -> tensor<3x4xf32>
  return
}

// CHECK-LABEL: func.func @losses
func.func @losses(%logits: tensor<?x10xf32>, %labels: tensor<?xi32>, %p: tensor<?x1xf32>) -> (tensor<f32>, tensor<f32>) {
  // CHECK: nn.cross_entropy %{{.*}}, %{{.*}} : tensor<?x10xf32>, tensor<?xi32> -> tensor<f32>
  %0 = nn.cross_entropy %logits, %labels : tensor<?x10xf32>, tensor<?xi32> -> tensor<f32>
  // CHECK: nn.mse %{{.*}}, %{{.*}} : tensor<?x1xf32>, tensor<?x1xf32> -> tensor<f32>
  %1 = nn.mse %p, %p : tensor<?x1xf32>, tensor<?x1xf32> -> tensor<f32>
  return %0, %1 : tensor<f32>, tensor<f32>
}

// A declared result type may be more static than the inferred one, and the
// graph-format attributes on arguments and results are kept.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: nn.name = "x"
func.func @forward(%x: tensor<?x784xf32> {nn.name = "x", nn.role = "input", nn.dims = ["B", "784"]},
                   %w: tensor<784x10xf32> {nn.name = "w", nn.role = "param", nn.init = "zeros"})
    -> (tensor<8x10xf32> {nn.name = "logits"}) {
  // CHECK: nn.matmul %{{.*}}, %{{.*}} : tensor<?x784xf32>, tensor<784x10xf32> -> tensor<8x10xf32>
  %0 = nn.matmul %x, %w : tensor<?x784xf32>, tensor<784x10xf32> -> tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}

// Attention (nn-fuse-attention makes them; nnc-lower-to-linalg makes
// nn.attention_kernel of them).
// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<?x4x32x16xbf16>, %k: tensor<?x4x32x16xbf16>,
                     %v: tensor<?x4x32x8xbf16>, %m: tensor<32x32xbf16>,
                     %g: tensor<?x4x32x8xbf16>, %d: tensor<?x4x32xf32>) {
  // CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f64} : tensor<?x4x32x16xbf16>, tensor<?x4x32x16xbf16>, tensor<?x4x32x8xbf16>, tensor<32x32xbf16> -> tensor<?x4x32x8xbf16>
  %o = nn.attention %q, %k, %v, %m {scale = 2.5e-01 : f64} : tensor<?x4x32x16xbf16>, tensor<?x4x32x16xbf16>, tensor<?x4x32x8xbf16>, tensor<32x32xbf16> -> tensor<?x4x32x8xbf16>
  // CHECK: nn.attention_lse %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f64} : tensor<?x4x32x16xbf16>, tensor<?x4x32x16xbf16> -> tensor<?x4x32xf32>
  %l = nn.attention_lse %q, %k {scale = 2.5e-01 : f64} : tensor<?x4x32x16xbf16>, tensor<?x4x32x16xbf16> -> tensor<?x4x32xf32>
  // CHECK: nn.attention_grad {{.*}} {scale = 2.500000e-01 : f64, wrt = "v"} : {{.*}} -> tensor<?x4x32x8xbf16>
  %dv = nn.attention_grad %q, %k, %v, %l, %d, %g, %m {scale = 2.5e-01 : f64, wrt = "v"} : tensor<?x4x32x16xbf16>, tensor<?x4x32x16xbf16>, tensor<?x4x32x8xbf16>, tensor<?x4x32xf32>, tensor<?x4x32xf32>, tensor<?x4x32x8xbf16>, tensor<32x32xbf16> -> tensor<?x4x32x8xbf16>
  // CHECK: nn.attention_kernel ins({{.*}}) outs({{.*}}) {kind = "forward", masked, scale = 2.500000e-01 : f64} -> tensor<?x4x32x8xbf16>, tensor<?x4x32xf32>
  %ko:2 = nn.attention_kernel ins(%q, %k, %v, %m : tensor<?x4x32x16xbf16>, tensor<?x4x32x16xbf16>, tensor<?x4x32x8xbf16>, tensor<32x32xbf16>) outs(%g, %d : tensor<?x4x32x8xbf16>, tensor<?x4x32xf32>) {kind = "forward", masked, scale = 2.5e-01 : f64} -> tensor<?x4x32x8xbf16>, tensor<?x4x32xf32>
  return
}
