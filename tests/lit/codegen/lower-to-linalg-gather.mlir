// nnc-lower-to-linalg on gather, embedding and dropout: a linalg.generic over
// the result reads the index, wraps a negative one, clamps it into range and
// tensor.extracts; dropout is the identity. Batch dims stay `?`.
// RUN: nnc-opt %s --nnc-lower-to-linalg | FileCheck %s
// RUN: nnc-opt %s --nnc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --convert-linalg-to-loops | FileCheck %s --check-prefix=LOOPS \
// RUN:   --implicit-check-not=tensor. --implicit-check-not=linalg.

// LOOPS-LABEL: func.func @gather_axis1
// LOOPS: scf.for
// LOOPS: arith.minsi
// LOOPS: memref.load

// CHECK-DAG: #[[GI:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-DAG: #[[GO:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[EI:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[EO:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @gather_axis1
// CHECK-SAME: (%[[X:.*]]: tensor<?x10x4xf32>, %[[I:.*]]: tensor<2x3xi64>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x10x4xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x2x3x4xf32>
// CHECK: %[[EXT:.*]] = arith.constant 10 : index
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[GI]], #[[GO]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[I]] : tensor<2x3xi64>) outs(%[[E]] : tensor<?x2x3x4xf32>)
// CHECK: ^bb0(%[[IN:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[IDX:.*]] = arith.index_cast %[[IN]] : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[IDX]], %{{.*}} : index
// CHECK: %[[WRAP:.*]] = arith.addi %[[IDX]], %[[EXT]] : index
// CHECK: %[[SEL:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[IDX]] : index
// CHECK: %[[LO:.*]] = arith.maxsi %[[SEL]], %{{.*}} : index
// CHECK: %[[LAST:.*]] = arith.subi %[[EXT]], %{{.*}} : index
// CHECK: %[[CL:.*]] = arith.minsi %[[LO]], %[[LAST]] : index
// CHECK: %[[I0:.*]] = linalg.index 0 : index
// CHECK: %[[I3:.*]] = linalg.index 3 : index
// CHECK: %[[V:.*]] = tensor.extract %[[X]][%[[I0]], %[[CL]], %[[I3]]] : tensor<?x10x4xf32>
// CHECK: linalg.yield %[[V]] : f32
// CHECK: return %[[G]] : tensor<?x2x3x4xf32>
func.func @gather_axis1(%x: tensor<?x10x4xf32>, %i: tensor<2x3xi64>) -> tensor<?x2x3x4xf32> {
  %0 = nn.gather %x, %i {axis = 1 : i64} : tensor<?x10x4xf32>, tensor<2x3xi64> -> tensor<?x2x3x4xf32>
  return %0 : tensor<?x2x3x4xf32>
}

// CHECK-LABEL: func.func @embedding
// CHECK: %[[N:.*]] = tensor.dim %arg1, %{{.*}} : tensor<?x16xi32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x16x64xf32>
// CHECK: %[[V:.*]] = arith.constant 1000 : index
// CHECK: linalg.generic {indexing_maps = [#[[EI]], #[[EO]]], {{.*}}} ins(%arg1 : tensor<?x16xi32>) outs(%[[E]] : tensor<?x16x64xf32>)
// CHECK: %[[IDX:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[CL:.*]] = arith.minsi
// CHECK: %[[D:.*]] = linalg.index 2 : index
// CHECK: tensor.extract %arg0[%[[CL]], %[[D]]] : tensor<1000x64xf32>
func.func @embedding(%t: tensor<1000x64xf32>, %ids: tensor<?x16xi32>) -> tensor<?x16x64xf32> {
  %0 = nn.embedding %t, %ids : tensor<1000x64xf32>, tensor<?x16xi32> -> tensor<?x16x64xf32>
  return %0 : tensor<?x16x64xf32>
}

// CHECK-LABEL: func.func @dropout
// CHECK-NEXT: return %arg0 : tensor<?x128xf32>
func.func @dropout(%x: tensor<?x128xf32>) -> tensor<?x128xf32> {
  %0 = nn.dropout %x {p = 5.000000e-01 : f64, seed = 0 : i64} : tensor<?x128xf32> -> tensor<?x128xf32>
  return %0 : tensor<?x128xf32>
}
