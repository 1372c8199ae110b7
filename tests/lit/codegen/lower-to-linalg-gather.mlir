// nnc-lower-to-linalg on gather, embedding, scatter_add and dropout: a
// linalg.generic over the result reads the index, wraps a negative one,
// clamps it into range and tensor.extracts; scatter_add reduces over the
// indices into x; dropout is the identity outside training and a Philox mask
// in training. Batch dims stay `?`.
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
// CHECK-DAG: #[[SI:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[SU:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>

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

// scatter_add: x's dims are parallel, the index dims a reduction; each
// element adds the updates whose wrapped, clamped index is its position.
// CHECK-LABEL: func.func @scatter_add
// CHECK-SAME: (%[[X:.*]]: tensor<10x4xf32>, %[[I:.*]]: tensor<?xi64>, %[[U:.*]]: tensor<?x4xf32>)
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[SI]], #[[SU]], #[[EI]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[I]], %[[U]] : tensor<?xi64>, tensor<?x4xf32>) outs(%[[X]] : tensor<10x4xf32>)
// CHECK: ^bb0(%[[IN:.*]]: i64, %[[UP:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[IDX:.*]] = arith.index_cast %[[IN]] : i64 to index
// CHECK: %[[CL:.*]] = arith.minsi
// CHECK: %[[POS:.*]] = linalg.index 0 : index
// CHECK: %[[HERE:.*]] = arith.cmpi eq, %[[CL]], %[[POS]] : index
// CHECK: %[[ADD:.*]] = arith.select %[[HERE]], %[[UP]], %{{.*}} : f32
// CHECK: %[[SUM:.*]] = arith.addf %[[ACC]], %[[ADD]] : f32
// CHECK: linalg.yield %[[SUM]] : f32
// CHECK: return %[[S]] : tensor<10x4xf32>
// LOOPS-LABEL: func.func @scatter_add
// LOOPS: scf.for
// LOOPS: arith.addf
func.func @scatter_add(%x: tensor<10x4xf32>, %i: tensor<?xi64>, %u: tensor<?x4xf32>) -> tensor<10x4xf32> {
  %0 = nn.scatter_add %x, %i, %u {axis = 0 : i64} : tensor<10x4xf32>, tensor<?xi64>, tensor<?x4xf32> -> tensor<10x4xf32>
  return %0 : tensor<10x4xf32>
}

// f16 scatter_add accumulates in f32 and rounds once.
// CHECK-LABEL: func.func @scatter_add_f16
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: linalg.generic
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @scatter_add_f16(%x: tensor<?x3xf16>, %i: tensor<2x2xi32>, %u: tensor<?x2x2xf16>) -> tensor<?x3xf16> {
  %0 = nn.scatter_add %x, %i, %u {axis = 1 : i64} : tensor<?x3xf16>, tensor<2x2xi32>, tensor<?x2x2xf16> -> tensor<?x3xf16>
  return %0 : tensor<?x3xf16>
}

// dropout in training: the row-major index i = i0 * 8 + i1 splits into
// words, the 0-d step becomes the third counter word, ten Philox rounds
// (32x32->64 products) give w0, and the element is kept, scaled by
// 1 / (1 - p), iff w0 >> 8 >= ceil(p 2^24) = 4194304 for p = 0.25. The
// seed 2^32 + 5 gives the key words (5, 1).
// CHECK-LABEL: func.func @dropout_training
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[STEP:.*]]: tensor<f32>)
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[STEP]] : tensor<?x8xf32>, tensor<f32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[I0:.*]] = linalg.index 0 : index
// CHECK: %[[I1:.*]] = linalg.index 1 : index
// CHECK: %[[ROW:.*]] = arith.muli %[[I0]], %{{.*}} : index
// CHECK: %[[IDX:.*]] = arith.addi %[[ROW]], %[[I1]] : index
// CHECK: %[[WIDE:.*]] = arith.index_castui %[[IDX]] : index to i64
// CHECK: %[[LO:.*]] = arith.trunci %[[WIDE]] : i64 to i32
// CHECK: %[[HI64:.*]] = arith.shrui %[[WIDE]], %{{.*}} : i64
// CHECK: %[[HI:.*]] = arith.trunci %[[HI64]] : i64 to i32
// CHECK: %[[C2:.*]] = arith.fptoui %[[S]] : f32 to i32
// CHECK: %{{.*}}, %[[H0:.*]] = arith.mului_extended %{{.*}}, %[[LO]] : i32
// CHECK: %{{.*}}, %[[H1:.*]] = arith.mului_extended %{{.*}}, %[[C2]] : i32
// CHECK: %[[X1:.*]] = arith.xori %[[H1]], %[[HI]] : i32
// CHECK: arith.xori %[[X1]], %c5_i32 : i32
// CHECK: %[[X2:.*]] = arith.xori %[[H0]], %{{.*}} : i32
// CHECK: arith.xori %[[X2]], %c1_i32 : i32
// CHECK-COUNT-17: arith.mului_extended
// CHECK: %[[BITS:.*]] = arith.shrui %{{.*}}, %c8_i32 : i32
// CHECK: %[[KEEP:.*]] = arith.cmpi uge, %[[BITS]], %c4194304_i32 : i32
// CHECK: %[[SC:.*]] = arith.mulf %[[IN]], %{{.*}} : f32
// CHECK: %[[R:.*]] = arith.select %[[KEEP]], %[[SC]], %{{.*}} : f32
// CHECK: linalg.yield %[[R]] : f32
// LOOPS-LABEL: func.func @dropout_training
// LOOPS: arith.mului_extended
func.func @dropout_training(%x: tensor<?x8xf32>, %s: tensor<f32>) -> tensor<?x8xf32> {
  %0 = nn.dropout %x, %s {p = 2.500000e-01 : f64, seed = 4294967301 : i64, training = true} : tensor<?x8xf32>, tensor<f32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// Without a step operand the third counter word is 0.
// CHECK-LABEL: func.func @dropout_no_step
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<4x8xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK: arith.mului_extended
// CHECK: arith.mului_extended %{{.*}}, %[[ZERO]] : i32
func.func @dropout_no_step(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = nn.dropout %x {p = 5.000000e-01 : f64, seed = 1 : i64, training = true} : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
