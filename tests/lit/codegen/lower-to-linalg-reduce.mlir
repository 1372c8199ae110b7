// nnc-lower-to-linalg on reductions: a linalg.generic with reduction
// iterators into a filled init; keepdims through tensor.expand_shape.
// RUN: nnc-opt %s --nnc-lower-to-linalg | FileCheck %s
// RUN: nnc-opt %s --nnc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --convert-linalg-to-loops | FileCheck %s --check-prefix=LOOPS

// LOOPS-LABEL: func.func @sum_rows
// LOOPS: memref.alloc
// LOOPS: scf.for
// LOOPS: scf.for
// LOOPS: arith.addf

// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[KEEP0:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[NONE:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEEP1:.*]] = affine_map<(d0, d1, d2) -> (d1)>

// CHECK-LABEL: func.func @sum_rows
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x10xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<?xf32>)
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[KEEP0]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]] : tensor<?x10xf32>) outs(%[[F]] : tensor<?xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[S:.*]] = arith.addf %[[IN]], %[[ACC]] : f32
// CHECK: linalg.yield %[[S]]
// CHECK: return %[[R]]
func.func @sum_rows(%x: tensor<?x10xf32>) -> tensor<?xf32> {
  %0 = nn.sum %x {axes = array<i64: 1>, keepdims = false} : tensor<?x10xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// Reduced dims join the group of the kept dim before them.
// CHECK-LABEL: func.func @sum_keepdims
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x5xi32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #{{.*}}], iterator_types = ["parallel", "reduction", "reduction"]}
// CHECK: arith.addi
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4x5xi32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1, 2]] output_shape [%[[D]], 1, 1] : tensor<?xi32> into tensor<?x1x1xi32>
func.func @sum_keepdims(%x: tensor<?x4x5xi32>) -> tensor<?x1x1xi32> {
  %0 = nn.sum %x {axes = array<i64: 1, 2>, keepdims = true} : tensor<?x4x5xi32> -> tensor<?x1x1xi32>
  return %0 : tensor<?x1x1xi32>
}

// No axes: all of them; mean divides by the element count.
// CHECK-LABEL: func.func @mean_all
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[NONE]]], iterator_types = ["reduction", "reduction"]}
// CHECK: %[[D:.*]] = tensor.dim %[[X]]
// CHECK: %[[N0:.*]] = arith.muli %{{.*}}, %[[D]] : index
// CHECK: %[[N:.*]] = arith.muli %[[N0]], %{{.*}} : index
// CHECK: %[[NI:.*]] = arith.index_castui %[[N]] : index to i64
// CHECK: %[[NF:.*]] = arith.uitofp %[[NI]] : i64 to f32
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<f32>)
// CHECK: arith.divf %{{.*}}, %[[NF]] : f32
func.func @mean_all(%x: tensor<?x4xf32>) -> tensor<f32> {
  %0 = nn.mean %x {axes = array<i64>, keepdims = false} : tensor<?x4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// max/min start from -inf/+inf (int: the signed extremes) and keep NaN.
// CHECK-LABEL: func.func @max_min
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[KEEP1]]], iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK: arith.maximumf
// CHECK: arith.constant 0x7F800000 : f32
// CHECK: arith.minimumf
// CHECK: arith.constant -2147483648 : i32
// CHECK: arith.maxsi
// CHECK: arith.constant 2147483647 : i32
// CHECK: arith.minsi
func.func @max_min(%x: tensor<?x3x?xf32>, %i: tensor<?x3xi32>) -> (tensor<3xf32>, tensor<?x3xf32>, tensor<3xi32>, tensor<?xi32>) {
  %0 = nn.max %x {axes = array<i64: 0, 2>, keepdims = false} : tensor<?x3x?xf32> -> tensor<3xf32>
  %1 = nn.min %x {axes = array<i64: 2>, keepdims = false} : tensor<?x3x?xf32> -> tensor<?x3xf32>
  %2 = nn.max %i {axes = array<i64: 0>, keepdims = false} : tensor<?x3xi32> -> tensor<3xi32>
  %3 = nn.min %i {axes = array<i64: 1>, keepdims = false} : tensor<?x3xi32> -> tensor<?xi32>
  return %0, %1, %2, %3 : tensor<3xf32>, tensor<?x3xf32>, tensor<3xi32>, tensor<?xi32>
}

// argmax carries the value and its i64 index; the first NaN, then the
// smallest index among equal values wins, in any reduction order.
// CHECK-LABEL: func.func @argmax
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
// CHECK: %[[V:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?xf32>)
// CHECK: %[[I:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<?xi64>)
// CHECK: %[[R:.*]]:2 = linalg.generic {indexing_maps = [#[[ID2]], #[[KEEP0]], #[[KEEP0]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]] : tensor<?x10xf32>) outs(%[[V]], %[[I]] : tensor<?xf32>, tensor<?xi64>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[BEST:.*]]: f32, %[[BESTI:.*]]: i64):
// CHECK: %[[IDX:.*]] = linalg.index 1 : index
// CHECK: %[[IDX64:.*]] = arith.index_cast %[[IDX]] : index to i64
// CHECK: arith.cmpi slt, %[[IDX64]], %[[BESTI]] : i64
// CHECK: arith.cmpf uno, %[[IN]], %[[IN]]
// CHECK: arith.cmpf ogt, %[[IN]], %[[BEST]]
// CHECK: %[[NV:.*]] = arith.select %[[TAKE:.*]], %[[IN]], %[[BEST]] : f32
// CHECK: %[[NI:.*]] = arith.select %[[TAKE]], %[[IDX64]], %[[BESTI]] : i64
// CHECK: linalg.yield %[[NV]], %[[NI]] : f32, i64
// CHECK: return %[[R]]#1 : tensor<?xi64>
func.func @argmax(%x: tensor<?x10xf32>) -> tensor<?xi64> {
  %0 = nn.argmax %x {axis = 1 : i64, keepdims = false} : tensor<?x10xf32> -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// CHECK-LABEL: func.func @argmax_int_keepdims
// CHECK: arith.cmpi sgt
// CHECK: tensor.expand_shape %{{.*}}#1 {{\[}}[0, 1]] output_shape [1, %{{.*}}] : tensor<?xi64> into tensor<1x?xi64>
func.func @argmax_int_keepdims(%x: tensor<5x?xi32>) -> tensor<1x?xi64> {
  %0 = nn.argmax %x {axis = 0 : i64, keepdims = true} : tensor<5x?xi32> -> tensor<1x?xi64>
  return %0 : tensor<1x?xi64>
}

// f16/bf16 sums accumulate in f32 and round once at the end.
// CHECK-LABEL: func.func @sum_f16_accumulates_in_f32
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<?xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f16, %[[ACC:.*]]: f32):
// CHECK: %[[W:.*]] = arith.extf %[[IN]] : f16 to f32
// CHECK: arith.addf %[[W]], %[[ACC]] : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: return %{{.*}} : tensor<?xf16>
func.func @sum_f16_accumulates_in_f32(%x: tensor<?x8xf16>) -> tensor<?xf16> {
  %0 = nn.sum %x {axes = array<i64: 1>, keepdims = false} : tensor<?x8xf16> -> tensor<?xf16>
  return %0 : tensor<?xf16>
}
