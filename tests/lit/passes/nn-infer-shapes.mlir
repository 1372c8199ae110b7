// nn-infer-shapes re-infers result types after arguments were refined.
// RUN: nnc-opt %s -nn-infer-shapes=dims=B=32 -split-input-file -verify-diagnostics | FileCheck %s
// RUN: nnc-opt %s -nn-infer-shapes -split-input-file | FileCheck %s --check-prefix=NODIMS
// RUN: not nnc-opt %s -nn-infer-shapes=dims=B -split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: nn-infer-shapes: bad dims entry 'B'; expected NAME=SIZE with SIZE >= 0

// Declared results are less static than the arguments allow: refined, and
// so is the function type.
// CHECK-LABEL: func.func @refine
// CHECK-SAME: -> (tensor<32x10xf32> {nn.name = "logits"})
// CHECK: nn.matmul {{.*}} -> tensor<32x128xf32>
// CHECK: nn.add {{.*}} -> tensor<32x128xf32>
// CHECK: nn.relu {{.*}} -> tensor<32x128xf32>
// CHECK: nn.cast {{.*}} -> tensor<32x128xf16>
// CHECK: nn.cast {{.*}} -> tensor<32x128xf32>
// CHECK: nn.matmul {{.*}} -> tensor<32x10xf32>
// CHECK: nn.reshape {{.*}} -> tensor<64x5xf32>
// CHECK: return {{.*}} : tensor<32x10xf32>
func.func @refine(%x: tensor<32x784xf32>, %w1: tensor<784x128xf32>, %b1: tensor<128xf32>,
                  %w2: tensor<128x10xf32>) -> (tensor<?x10xf32> {nn.name = "logits"}) {
  %0 = nn.matmul %x, %w1 : tensor<32x784xf32>, tensor<784x128xf32> -> tensor<?x128xf32>
  %1 = nn.add %0, %b1 : tensor<?x128xf32>, tensor<128xf32> -> tensor<?x128xf32>
  %2 = nn.relu %1 : tensor<?x128xf32> -> tensor<?x128xf32>
  %3 = nn.cast %2 : tensor<?x128xf32> -> tensor<?x128xf16>
  %4 = nn.cast %3 : tensor<?x128xf16> -> tensor<?x128xf32>
  %5 = nn.matmul %4, %w2 : tensor<?x128xf32>, tensor<128x10xf32> -> tensor<?x10xf32>
  %6 = nn.reshape %5 {shape = array<i64: -1, 5>} : tensor<?x10xf32> -> tensor<?x5xf32>
  return %5 : tensor<?x10xf32>
}

// -----

// A declared static dim that the operands cannot prove is kept.
// CHECK-LABEL: func.func @keep_static
// CHECK-SAME: -> (tensor<8x10xf32>, tensor<4xf32>)
// CHECK: nn.matmul {{.*}} -> tensor<8x10xf32>
func.func @keep_static(%x: tensor<?x784xf32>, %w: tensor<784x10xf32>, %y: tensor<4x3xf32>)
    -> (tensor<8x10xf32>, tensor<4xf32>) {
  %0 = nn.matmul %x, %w : tensor<?x784xf32>, tensor<784x10xf32> -> tensor<8x10xf32>
  %1 = nn.sum %y {axes = array<i64: 1>, keepdims = false} : tensor<4x3xf32> -> tensor<4xf32>
  return %0, %1 : tensor<8x10xf32>, tensor<4xf32>
}

// -----

// `dims=B=32` specializes the arguments whose nn.dims name B first; without
// it the function is already consistent and stays dynamic.
// NODIMS-LABEL: func.func @forward
// NODIMS-SAME: tensor<?x784xf32>
// NODIMS: nn.reshape {{.*}} -> tensor<?x28x28xf32>
// NODIMS: nn.sum {{.*}} -> tensor<?xf32>
// NODIMS: nn.cross_entropy
// CHECK-LABEL: func.func @forward
// CHECK-SAME: %{{.*}}: tensor<32x784xf32> {nn.dims = ["B", "784"]
// CHECK-SAME: %{{.*}}: tensor<32xi32> {nn.dims = ["B"]
// CHECK-SAME: -> (tensor<32xf32>, tensor<f32>)
// CHECK: nn.reshape {{.*}} -> tensor<32x28x28xf32>
// CHECK: nn.sum {{.*}} -> tensor<32xf32>
// CHECK: nn.cross_entropy {{.*}} : tensor<32x10xf32>, tensor<32xi32> -> tensor<f32>
func.func @forward(%x: tensor<?x784xf32> {nn.dims = ["B", "784"], nn.name = "x", nn.role = "input"},
                   %y: tensor<?xi32> {nn.dims = ["B"], nn.name = "y", nn.role = "input"},
                   %w: tensor<784x10xf32> {nn.init = "zeros", nn.name = "w", nn.role = "param"})
    -> (tensor<?xf32>, tensor<f32>) {
  %0 = nn.reshape %x {shape = array<i64: -1, 28, 28>} : tensor<?x784xf32> -> tensor<?x28x28xf32>
  %1 = nn.sum %0 {axes = array<i64: 1, 2>, keepdims = false} : tensor<?x28x28xf32> -> tensor<?xf32>
  %2 = nn.matmul %x, %w : tensor<?x784xf32>, tensor<784x10xf32> -> tensor<?x10xf32>
  %3 = nn.cross_entropy %2, %y : tensor<?x10xf32>, tensor<?xi32> -> tensor<f32>
  return %1, %3 : tensor<?xf32>, tensor<f32>
}

// -----

// Specializing B makes two inputs disagree: a located error, pass failure.
// CHECK-NOT: func.func @mismatch
// NODIMS-LABEL: func.func @mismatch
// NODIMS-SAME: -> tensor<8x4xf32>
func.func @mismatch(%a: tensor<?x4xf32> {nn.dims = ["B", "4"]},
                    %b: tensor<8x4xf32> {nn.dims = ["N", "4"]}) -> tensor<?x4xf32> {
  // expected-error @+1 {{'add' cannot broadcast f32[32,4] and f32[8,4] (dim 32 vs 8)}}
  %0 = nn.add %a, %b : tensor<?x4xf32>, tensor<8x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A dim named in nn.dims that is already static must agree with the option.
func.func @static_conflict(
    // expected-error @+1 {{cannot specialize "B" = 32: argument 0 has f32[16,4]}}
    %a: tensor<16x4xf32> {nn.dims = ["B", "4"]}) -> tensor<16x4xf32> {
  return %a : tensor<16x4xf32>
}

// -----

// A declared static dim that the specialized arguments contradict was stale:
// replaced.
// CHECK-LABEL: func.func @stale
// CHECK-SAME: -> tensor<32x10xf32>
// CHECK: nn.matmul {{.*}} -> tensor<32x10xf32>
// NODIMS-LABEL: func.func @stale
// NODIMS-SAME: -> tensor<8x10xf32>
func.func @stale(%x: tensor<?x784xf32> {nn.dims = ["B", "784"]}, %w: tensor<784x10xf32>) -> tensor<8x10xf32> {
  %0 = nn.matmul %x, %w : tensor<?x784xf32>, tensor<784x10xf32> -> tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}
