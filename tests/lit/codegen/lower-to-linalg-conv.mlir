// nnc-lower-to-linalg on nn.conv2d: tensor.pad + linalg.conv_2d_nchw_fchw for
// groups = 1, for groups > 1 a linalg.generic with the group as a loop of
// its own into [N, groups, O/groups, Ho, Wo], collapsed;
// the bias added (and f16 rounded once, after an f32 accumulation) by a
// generic broadcasting it along dim 1. The batch stays `?`.
// RUN: nnc-opt %s --nnc-lower-to-linalg | FileCheck %s
// RUN: nnc-opt %s --nnc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --convert-linalg-to-loops | FileCheck %s --check-prefix=LOOPS \
// RUN:   --implicit-check-not=tensor. --implicit-check-not=linalg.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-DAG: #[[GX:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 2 + d5, d3 + d6, d4 + d7)>
// CHECK-DAG: #[[GW:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1 * 3 + d2, d5, d6, d7)>
// CHECK-DAG: #[[GO:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>

// LOOPS-LABEL: func.func @conv_pad_bias
// LOOPS: scf.for
// LOOPS: arith.mulf
// LOOPS: arith.addf
// LOOPS-LABEL: func.func @conv_grouped
// LOOPS: scf.for
// LOOPS: memref.load

// CHECK-LABEL: func.func @conv_pad_bias
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[ZERO]] : f32
// CHECK: } : tensor<?x3x8x8xf32> to tensor<?x3x10x10xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3x8x8xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x4x8x8xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x4x8x8xf32>)
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%[[PAD]], %[[W]] : tensor<?x3x10x10xf32>, tensor<4x3x3x3xf32>) outs(%[[F]] : tensor<?x4x8x8xf32>)
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[BIAS]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[C]], %[[B]] : tensor<?x4x8x8xf32>, tensor<4xf32>)
// CHECK: arith.addf
// CHECK: return %[[R]] : tensor<?x4x8x8xf32>
func.func @conv_pad_bias(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x8x8xf32> {
  %0 = nn.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32> -> tensor<?x4x8x8xf32>
  return %0 : tensor<?x4x8x8xf32>
}

// No padding: no tensor.pad; stride and dilation go to the named op.
// CHECK-LABEL: func.func @conv_stride_dilation
// CHECK-NOT: tensor.pad
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<2> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%arg0, %arg1 : tensor<2x3x9x9xf32>, tensor<4x3x3x3xf32>) outs(%{{.*}} : tensor<2x4x3x3xf32>)
// CHECK-NEXT: return %[[C]] : tensor<2x4x3x3xf32>
func.func @conv_stride_dilation(%x: tensor<2x3x9x9xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x3x3xf32> {
  %0 = nn.conv2d %x, %w {dilation = array<i64: 2, 2>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<2x3x9x9xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x3x3xf32>
  return %0 : tensor<2x4x3x3xf32>
}

// Two groups of 3 outputs, each reading 2 of the 4 input channels: loops
// [n, g, o, ho, wo, c, kh, kw] into [N, 2, 3, Ho, Wo].
// CHECK-LABEL: func.func @conv_grouped
// CHECK: %[[N:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x4x6x6xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x2x3x4x4xf32>
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[GX]], #[[GW]], #[[GO]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%arg0, %arg1 : tensor<?x4x6x6xf32>, tensor<6x2x3x3xf32>) outs(%[[F]] : tensor<?x2x3x4x4xf32>)
// CHECK: %[[M:.*]] = arith.mulf
// CHECK: arith.addf %{{.*}}, %[[M]] : f32
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2], [3], [4]] : tensor<?x2x3x4x4xf32> into tensor<?x6x4x4xf32>
// CHECK: return %[[R]]
func.func @conv_grouped(%x: tensor<?x4x6x6xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<?x6x4x4xf32> {
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 2 : i64, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x4x6x6xf32>, tensor<6x2x3x3xf32> -> tensor<?x6x4x4xf32>
  return %0 : tensor<?x6x4x4xf32>
}

// f16 accumulates in f32; the bias generic extends the bias and rounds once.
// CHECK-LABEL: func.func @conv_f16
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x4x6x6xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x4x6x6xf32>)
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%arg0, %arg1 : tensor<?x3x8x8xf16>, tensor<4x3x3x3xf16>) outs(%[[F]] : tensor<?x4x6x6xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[C]], %arg2 : tensor<?x4x6x6xf32>, tensor<4xf16>) outs(%{{.*}} : tensor<?x4x6x6xf16>)
// CHECK: ^bb0(%[[ACC:.*]]: f32, %[[BV:.*]]: f16, %{{.*}}: f16):
// CHECK: %[[BE:.*]] = arith.extf %[[BV]] : f16 to f32
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %[[BE]] : f32
// CHECK: %[[T:.*]] = arith.truncf %[[S]] : f32 to f16
// CHECK: linalg.yield %[[T]] : f16
func.func @conv_f16(%x: tensor<?x3x8x8xf16>, %w: tensor<4x3x3x3xf16>, %b: tensor<4xf16>) -> tensor<?x4x6x6xf16> {
  %0 = nn.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x3x8x8xf16>, tensor<4x3x3x3xf16>, tensor<4xf16> -> tensor<?x4x6x6xf16>
  return %0 : tensor<?x4x6x6xf16>
}
