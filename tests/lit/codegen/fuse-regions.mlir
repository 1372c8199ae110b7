// nnc-fuse-regions: after nnc-lower-to-linalg, the linalg ops of each
// nn.fusion region fuse into one linalg.generic and the region is inlined.
// Without nn-fuse the same function lowers to one generic per op.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nn-fuse),nnc-lower-to-linalg,nnc-fuse-regions)' | FileCheck %s
// RUN: nnc-opt %s --pass-pipeline='builtin.module(nnc-lower-to-linalg,nnc-fuse-regions)' | FileCheck %s --check-prefix=UNFUSED

// CHECK-LABEL: func.func @bias_gelu_residual
// CHECK-NOT: nn.fusion
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: math.erf
// CHECK: arith.addf
// CHECK: linalg.yield
// CHECK-NOT: linalg.generic
// CHECK: return
// UNFUSED-COUNT-3: linalg.generic
func.func @bias_gelu_residual(%x: tensor<?x64xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = nn.add %x, %b : tensor<?x64xf32>, tensor<64xf32> -> tensor<?x64xf32>
  %1 = nn.gelu %0 {approximate = "none"} : tensor<?x64xf32> -> tensor<?x64xf32>
  %2 = nn.add %1, %x : tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x64xf32>
  return %2 : tensor<?x64xf32>
}

// A producer also returned: linalg's fusion recomputes it inside the
// consumer and leaves its own generic beside it; the two merge into one
// generic with both results (one kernel, m and g read once, each result
// written once). Its body computes the product twice; CSE folds that later.
// CHECK-LABEL: func.func @two_results
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} ins(%arg0, %arg1, %arg2 :
// CHECK: arith.mulf
// CHECK: arith.subf
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @two_results(%m: tensor<8x4xf32>, %g: tensor<8x4xf32>, %p: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %0 = nn.mul %m, %g : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %1 = nn.sub %p, %0 : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  return %0, %1 : tensor<8x4xf32>, tensor<8x4xf32>
}

// An elementwise producer fuses into the reduction that consumes it.
// CHECK-LABEL: func.func @sum_of_squares
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
func.func @sum_of_squares(%x: tensor<?x64xf32>) -> tensor<?xf32> {
  %0 = nn.mul %x, %x : tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x64xf32>
  %1 = nn.sum %0 {axes = array<i64: 1>, keepdims = false} : tensor<?x64xf32> -> tensor<?xf32>
  return %1 : tensor<?xf32>
}

// A contraction region: the matmul keeps its own generic (its operands are
// not fused into it); the bias + ReLU fuse into one generic after it; every
// linalg op of the region carries the region's nnc.epilogue_group for
// nnc-gpu-tile-contraction. Unfused, nothing is marked.
// CHECK-LABEL: func.func @linear_relu
// CHECK: linalg.fill {nnc.epilogue_group = [[G:[0-9]+]] : i64}
// CHECK: %[[MM:.*]] = linalg.matmul {nnc.epilogue_group = [[G]] : i64} ins(%arg0, %arg1 : tensor<?x8xf32>, tensor<8x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[MM]], %arg2 : tensor<?x4xf32>, tensor<4xf32>) {{.*}} attrs =  {nnc.epilogue_group = [[G]] : i64}
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: return
// UNFUSED-LABEL: func.func @linear_relu
// UNFUSED-NOT: nnc.epilogue_group
func.func @linear_relu(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = nn.matmul %x, %w : tensor<?x8xf32>, tensor<8x4xf32> -> tensor<?x4xf32>
  %1 = nn.add %0, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %2 = nn.relu %1 : tensor<?x4xf32> -> tensor<?x4xf32>
  return %2 : tensor<?x4xf32>
}

// A bare matmul of bf16 accumulates in f32 and rounds once: the rounding
// joins the matmul's epilogue group (its kernel writes the bf16 result;
// no f32 tensor is stored), with or without nn-fuse. The dynamic batch's
// dim is taken from the input, not from the accumulator.
// CHECK-LABEL: func.func @bare_bf16_matmul
// CHECK: %[[MM:.*]] = linalg.matmul {nnc.epilogue_group = [[G:[0-9]+]] : i64}
// CHECK-NOT: tensor.dim %[[MM]]
// CHECK: linalg.generic {{.*}} ins(%[[MM]] : tensor<?x8xf32>) {{.*}}nnc.epilogue_group = [[G]] : i64
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.truncf
// UNFUSED-LABEL: func.func @bare_bf16_matmul
// UNFUSED: %[[MM:.*]] = linalg.matmul {nnc.epilogue_group = [[G:[0-9]+]] : i64}
// UNFUSED: linalg.generic {{.*}} ins(%[[MM]] : tensor<?x8xf32>) {{.*}}nnc.epilogue_group = [[G]] : i64
func.func @bare_bf16_matmul(%x: tensor<?x16xbf16>, %w: tensor<16x8xbf16>) -> tensor<?x8xbf16> {
  %0 = nn.matmul %x, %w : tensor<?x16xbf16>, tensor<16x8xbf16> -> tensor<?x8xbf16>
  return %0 : tensor<?x8xbf16>
}

// f32 needs no rounding: the bare matmul has no group; nor has a bf16 sum
// (a reduction of one input, which nnc-gpu-tile-contraction does not take).
// CHECK-LABEL: func.func @no_rounding_group
// CHECK-NOT: nnc.epilogue_group
// CHECK: return
// UNFUSED-LABEL: func.func @no_rounding_group
// UNFUSED-NOT: nnc.epilogue_group
// UNFUSED: return
func.func @no_rounding_group(%x: tensor<4x16xf32>, %w: tensor<16x8xf32>, %y: tensor<4x16xbf16>) -> (tensor<4x8xf32>, tensor<16xbf16>) {
  %0 = nn.matmul %x, %w : tensor<4x16xf32>, tensor<16x8xf32> -> tensor<4x8xf32>
  %1 = nn.sum %y {axes = array<i64: 0>, keepdims = false} : tensor<4x16xbf16> -> tensor<16xbf16>
  return %0, %1 : tensor<4x8xf32>, tensor<16xbf16>
}
