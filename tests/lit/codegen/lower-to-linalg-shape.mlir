// nnc-lower-to-linalg on shape ops: reshape/flatten through collapse and
// expand_shape, transpose, broadcast_to, concat and slice.
// RUN: nnc-opt %s --nnc-lower-to-linalg | FileCheck %s
// RUN: nnc-opt %s --nnc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --convert-linalg-to-loops | FileCheck %s --check-prefix=LOOPS

// LOOPS-LABEL: func.func @reshape_infer
// LOOPS: memref.collapse_shape
// LOOPS: memref.expand_shape

// The -1 entry is the element count over the product of the others.
// CHECK-LABEL: func.func @reshape_infer
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4xf32>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1, 2]] : tensor<?x3x4xf32> into tensor<?xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[FLAT]], %{{.*}} : tensor<?xf32>
// CHECK: %[[C12:.*]] = arith.constant 12 : index
// CHECK: %[[B:.*]] = arith.divui %[[N]], %[[C12]] : index
// CHECK: %[[R:.*]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [%[[B]], 12] : tensor<?xf32> into tensor<?x12xf32>
// CHECK: return %[[R]]
func.func @reshape_infer(%x: tensor<?x3x4xf32>) -> tensor<?x12xf32> {
  %0 = nn.reshape %x {shape = array<i64: -1, 12>} : tensor<?x3x4xf32> -> tensor<?x12xf32>
  return %0 : tensor<?x12xf32>
}

// CHECK-LABEL: func.func @reshape_static_to_scalar
// CHECK: %[[F:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<1x1xf32> into tensor<1xf32>
// CHECK: tensor.collapse_shape %[[F]] [] : tensor<1xf32> into tensor<f32>
// CHECK: tensor.expand_shape %{{.*}} [] output_shape [1] : tensor<f32> into tensor<1xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [1, 1] : tensor<1xf32> into tensor<1x1xf32>
func.func @reshape_static_to_scalar(%x: tensor<1x1xf32>, %s: tensor<f32>) -> (tensor<f32>, tensor<1x1xf32>) {
  %0 = nn.reshape %x {shape = array<i64>} : tensor<1x1xf32> -> tensor<f32>
  %1 = nn.reshape %s {shape = array<i64: 1, 1>} : tensor<f32> -> tensor<1x1xf32>
  return %0, %1 : tensor<f32>, tensor<1x1xf32>
}

// CHECK-LABEL: func.func @flatten
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4xf32>)
// CHECK: tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2]] : tensor<?x3x4xf32> into tensor<?x12xf32>
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1, 2]]
// CHECK: %[[N:.*]] = tensor.dim %[[FLAT]]
// CHECK: tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [1, %[[N]]] : tensor<?xf32> into tensor<1x?xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [%{{.*}}, 1] : tensor<?xf32> into tensor<?x1xf32>
func.func @flatten(%x: tensor<?x3x4xf32>) -> (tensor<?x12xf32>, tensor<1x?xf32>, tensor<?x1xf32>) {
  %0 = nn.flatten %x {axis = 1 : i64} : tensor<?x3x4xf32> -> tensor<?x12xf32>
  %1 = nn.flatten %x {axis = 0 : i64} : tensor<?x3x4xf32> -> tensor<1x?xf32>
  %2 = nn.flatten %x {axis = 3 : i64} : tensor<?x3x4xf32> -> tensor<?x1xf32>
  return %0, %1, %2 : tensor<?x12xf32>, tensor<1x?xf32>, tensor<?x1xf32>
}

// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x5xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3x5xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x5x3xf32>
// CHECK: linalg.transpose ins(%[[X]] : tensor<?x3x5xf32>) outs(%[[E]] : tensor<?x5x3xf32>) permutation = [0, 2, 1]
func.func @transpose(%x: tensor<?x3x5xf32>) -> tensor<?x5x3xf32> {
  %0 = nn.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<?x3x5xf32> -> tensor<?x5x3xf32>
  return %0 : tensor<?x5x3xf32>
}

// CHECK-LABEL: func.func @broadcast_to
// CHECK-SAME: (%[[X:.*]]: tensor<?x1x128xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x1x128xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<2x?x4x128xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]] : tensor<?x1x128xf32>) outs(%[[E]] : tensor<2x?x4x128xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
func.func @broadcast_to(%x: tensor<?x1x128xf32>) -> tensor<2x?x4x128xf32> {
  %0 = nn.broadcast_to %x {shape = array<i64: 2, -1, 4, 128>} : tensor<?x1x128xf32> -> tensor<2x?x4x128xf32>
  return %0 : tensor<2x?x4x128xf32>
}

// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[A:.*]]: tensor<?x3xf32>, %[[B:.*]]: tensor<?x5xf32>)
// CHECK: tensor.concat dim(1) %[[A]], %[[B]] : (tensor<?x3xf32>, tensor<?x5xf32>) -> tensor<?x8xf32>
func.func @concat(%a: tensor<?x3xf32>, %b: tensor<?x5xf32>) -> tensor<?x8xf32> {
  %0 = nn.concat %a, %b {axis = 1 : i64} : tensor<?x3xf32>, tensor<?x5xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// A static axis folds Python's bounds at compile time.
// CHECK-LABEL: func.func @slice_static_axis
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x10xf32>
// CHECK: tensor.extract_slice %[[X]][0, 2] [%[[D]], 3] [1, 2] : tensor<?x10xf32> to tensor<?x3xf32>
func.func @slice_static_axis(%x: tensor<?x10xf32>) -> tensor<?x3xf32> {
  %0 = nn.slice %x {axis = 1 : i64, end = 8 : i64, start = 2 : i64, step = 2 : i64} : tensor<?x10xf32> -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// On a dynamic axis: start = max(n - 2, 0), end = min(INT64_MAX, n),
// count = (max(end - start, 0) + step - 1) / step.
// CHECK-LABEL: func.func @slice_dynamic_axis
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xf32>
// CHECK: %[[SH:.*]] = arith.addi %[[N]], %{{.*}} : index
// CHECK: %[[START:.*]] = arith.maxsi %[[SH]], %{{.*}} : index
// CHECK: %[[END:.*]] = arith.minsi %{{.*}}, %[[N]] : index
// CHECK: %[[SPAN:.*]] = arith.subi %[[END]], %[[START]] : index
// CHECK: %[[POS:.*]] = arith.maxsi %[[SPAN]], %{{.*}} : index
// CHECK: %[[UP:.*]] = arith.addi %[[POS]], %{{.*}} : index
// CHECK: %[[CNT:.*]] = arith.divui %[[UP]], %{{.*}} : index
// CHECK: tensor.extract_slice %[[X]][%[[START]], 0] [%[[CNT]], 4] [2, 1] : tensor<?x4xf32> to tensor<?x4xf32>
func.func @slice_dynamic_axis(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = nn.slice %x {axis = 0 : i64, end = 9223372036854775807 : i64, start = -2 : i64, step = 2 : i64} : tensor<?x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
