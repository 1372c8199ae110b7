// nnc-lower-to-linalg on nn.matmul: linalg.matmul for 2-D operands, a
// broadcasting linalg.generic for batched and rank-1 operands.
// RUN: nnc-opt %s --nnc-lower-to-linalg | FileCheck %s
// RUN: nnc-opt %s --nnc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --convert-linalg-to-loops | FileCheck %s --check-prefix=LOOPS

// LOOPS-LABEL: func.func @matmul_2d
// LOOPS: scf.for
// LOOPS: scf.for
// LOOPS: scf.for
// LOOPS: arith.mulf
// LOOPS: arith.addf

// CHECK-DAG: #[[BL:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d2, d4)>
// CHECK-DAG: #[[BR:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[BO:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[VL:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[VR:.*]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[VO:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[DK:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[DO:.*]] = affine_map<(d0) -> ()>
// CHECK-DAG: #[[TL:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>

// CHECK-LABEL: func.func @matmul_2d
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>, %[[W:.*]]: tensor<784x128xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x784xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x128xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<?x128xf32>)
// CHECK: %[[R:.*]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<?x784xf32>, tensor<784x128xf32>) outs(%[[F]] : tensor<?x128xf32>)
// CHECK: return %[[R]]
func.func @matmul_2d(%x: tensor<?x784xf32>, %w: tensor<784x128xf32>) -> tensor<?x128xf32> {
  %0 = nn.matmul %x, %w : tensor<?x784xf32>, tensor<784x128xf32> -> tensor<?x128xf32>
  return %0 : tensor<?x128xf32>
}

// Batch dims broadcast: lhs [?, 1, 3, 4] @ rhs [5, 4, 6] -> [?, 5, 3, 6].
// CHECK-LABEL: func.func @matmul_batch_broadcast
// CHECK-SAME: (%[[X:.*]]: tensor<?x1x3x4xf32>, %[[W:.*]]: tensor<5x4x6xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x1x3x4xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x5x3x6xf32>
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[BL]], #[[BR]], #[[BO]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<?x1x3x4xf32>, tensor<5x4x6xf32>) outs(%[[F]] : tensor<?x5x3x6xf32>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[P:.*]] = arith.mulf %[[A]], %[[B]]
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %[[P]]
// CHECK: linalg.yield %[[S]]
func.func @matmul_batch_broadcast(%x: tensor<?x1x3x4xf32>, %w: tensor<5x4x6xf32>) -> tensor<?x5x3x6xf32> {
  %0 = nn.matmul %x, %w : tensor<?x1x3x4xf32>, tensor<5x4x6xf32> -> tensor<?x5x3x6xf32>
  return %0 : tensor<?x5x3x6xf32>
}

// A rank-1 lhs is promoted to [1, K] and the promoted dim dropped.
// CHECK-LABEL: func.func @matmul_vector_lhs
// CHECK: linalg.generic {indexing_maps = [#[[VL]], #[[VR]], #[[VO]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<?x6xi32>)
// CHECK: arith.muli
// CHECK: arith.addi
func.func @matmul_vector_lhs(%x: tensor<4xi32>, %w: tensor<?x4x6xi32>) -> tensor<?x6xi32> {
  %0 = nn.matmul %x, %w : tensor<4xi32>, tensor<?x4x6xi32> -> tensor<?x6xi32>
  return %0 : tensor<?x6xi32>
}

// CHECK-LABEL: func.func @matmul_dot
// CHECK: linalg.generic {indexing_maps = [#[[DK]], #[[DK]], #[[DO]]], iterator_types = ["reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<f32>)
func.func @matmul_dot(%x: tensor<?xf32>, %y: tensor<?xf32>) -> tensor<f32> {
  %0 = nn.matmul %x, %y : tensor<?xf32>, tensor<?xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// bf16 products accumulate in f32 and round once at the end.
// CHECK-LABEL: func.func @matmul_bf16_accumulates_in_f32
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x8xbf16>, tensor<8x4xbf16>) outs(%[[F]] : tensor<?x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[MM]] : tensor<?x4xf32>) outs(%{{.*}} : tensor<?x4xbf16>)
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @matmul_bf16_accumulates_in_f32(%x: tensor<?x8xbf16>, %w: tensor<8x4xbf16>) -> tensor<?x4xbf16> {
  %0 = nn.matmul %x, %w : tensor<?x8xbf16>, tensor<8x4xbf16> -> tensor<?x4xbf16>
  return %0 : tensor<?x4xbf16>
}

// Batch dims that do not broadcast: linalg.batch_matmul.
// CHECK-LABEL: func.func @matmul_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4xf32>, %[[W:.*]]: tensor<?x4x6xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3x4xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x3x6xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x3x6xf32>)
// CHECK: linalg.batch_matmul ins(%[[X]], %[[W]] : tensor<?x3x4xf32>, tensor<?x4x6xf32>) outs(%[[F]] : tensor<?x3x6xf32>)
func.func @matmul_batch(%x: tensor<?x3x4xf32>, %w: tensor<?x4x6xf32>) -> tensor<?x3x6xf32> {
  %0 = nn.matmul %x, %w : tensor<?x3x4xf32>, tensor<?x4x6xf32> -> tensor<?x3x6xf32>
  return %0 : tensor<?x3x6xf32>
}

// An operand transposed in its last two dims (x^T dy, as the matmul
// gradient writes it) is read through a swapped map: no linalg.transpose.
// CHECK-LABEL: func.func @matmul_lhs_transposed
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[TL]], #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<?x8xf32>, tensor<?x4xf32>)
func.func @matmul_lhs_transposed(%x: tensor<?x8xf32>, %dy: tensor<?x4xf32>) -> tensor<8x4xf32> {
  %t = nn.transpose %x {perm = array<i64: 1, 0>} : tensor<?x8xf32> -> tensor<8x?xf32>
  %0 = nn.matmul %t, %dy : tensor<8x?xf32>, tensor<?x4xf32> -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}
