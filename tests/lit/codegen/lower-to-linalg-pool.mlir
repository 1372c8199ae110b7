// nnc-lower-to-linalg on the pooling ops: max_pool2d pads with -inf and
// becomes linalg.pooling_nchw_max; avg_pool2d pads with 0, sums with
// linalg.pooling_nchw_sum (f32 for bf16) and divides by kh * kw, padded cells
// included; global_avg_pool is a mean over H, W. The batch stays `?`.
// RUN: nnc-opt %s --nnc-lower-to-linalg | FileCheck %s
// RUN: nnc-opt %s --nnc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --convert-linalg-to-loops | FileCheck %s --check-prefix=LOOPS \
// RUN:   --implicit-check-not=tensor. --implicit-check-not=linalg.

// LOOPS-LABEL: func.func @max_pool_pad
// LOOPS: scf.for
// LOOPS: arith.maximumf
// LOOPS-LABEL: func.func @avg_pool_pad
// LOOPS: arith.divf

// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[NC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>

// CHECK-LABEL: func.func @max_pool_pad
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NEGINF]] : f32
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[N:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x3x8x8xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x3x4x4xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%[[E]] : tensor<?x3x4x4xf32>)
// CHECK: %[[P:.*]] = linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%[[PAD]], %[[WIN]] : tensor<?x3x10x10xf32>, tensor<3x3xf32>) outs(%[[F]] : tensor<?x3x4x4xf32>)
// CHECK: return %[[P]]
func.func @max_pool_pad(%x: tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32> {
  %0 = nn.max_pool2d %x {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xf32> -> tensor<?x3x4x4xf32>
  return %0 : tensor<?x3x4x4xf32>
}

// CHECK-LABEL: func.func @avg_pool_pad
// CHECK: %[[PAD:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[S:.*]] = linalg.pooling_nchw_sum {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%[[PAD]], %{{.*}} : tensor<?x3x10x10xf32>, tensor<3x3xf32>) outs(%{{.*}} : tensor<?x3x4x4xf32>)
// CHECK: %[[A:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[ID4]]], {{.*}}} ins(%[[S]] : tensor<?x3x4x4xf32>)
// CHECK: %[[NINE:.*]] = arith.constant 9.000000e+00 : f32
// CHECK: arith.divf %{{.*}}, %[[NINE]] : f32
// CHECK: return %[[A]]
func.func @avg_pool_pad(%x: tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32> {
  %0 = nn.avg_pool2d %x {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xf32> -> tensor<?x3x4x4xf32>
  return %0 : tensor<?x3x4x4xf32>
}

// bf16 sums in f32 and rounds once, after the division.
// CHECK-LABEL: func.func @avg_pool_bf16
// CHECK-NOT: tensor.pad
// CHECK: %[[S:.*]] = linalg.pooling_nchw_sum {{.*}} ins(%arg0, %{{.*}} : tensor<?x3x8x8xbf16>, tensor<2x2xbf16>) outs(%{{.*}} : tensor<?x3x4x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[S]] : tensor<?x3x4x4xf32>) outs(%{{.*}} : tensor<?x3x4x4xbf16>)
// CHECK: %[[Q:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: arith.truncf %[[Q]] : f32 to bf16
func.func @avg_pool_bf16(%x: tensor<?x3x8x8xbf16>) -> tensor<?x3x4x4xbf16> {
  %0 = nn.avg_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xbf16> -> tensor<?x3x4x4xbf16>
  return %0 : tensor<?x3x4x4xbf16>
}

// CHECK-LABEL: func.func @global_avg_pool
// CHECK: %[[N:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x16x7x7xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x16xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID4]], #[[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%arg0 : tensor<?x16x7x7xf32>)
// CHECK: arith.divf
// CHECK-NOT: nn.
func.func @global_avg_pool(%x: tensor<?x16x7x7xf32>) -> tensor<?x16xf32> {
  %0 = nn.global_avg_pool %x : tensor<?x16x7x7xf32> -> tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}
