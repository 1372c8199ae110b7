// nnc-gpu-tile-matmul: matmul-shaped linalg ops on memrefs become a
// gpu.launch of 16x16 threads per 16x16 output tile, with K-tiles of both
// operands staged in workgroup memory between barriers; sizes (the dynamic
// M included) are read on the host and every edge is guarded.
// RUN: nnc-opt %s --nnc-gpu-tile-matmul | FileCheck %s

// CHECK-LABEL: func.func @matmul_dynamic_m
// CHECK-SAME: (%[[A:[a-z0-9_]+]]: memref<?x37xf32>, %[[B:[a-z0-9_]+]]: memref<37x23xf32>, %[[C:[a-z0-9_]+]]: memref<?x23xf32>)
// CHECK: %[[M:[a-z0-9_]+]] = memref.dim %[[A]], %{{[a-z0-9_]+}} : memref<?x37xf32>
// CHECK-DAG: %[[C16:[a-z0-9_]+]] = arith.constant 16 : index
// CHECK-DAG: %[[GX:[a-z0-9_]+]] = arith.ceildivui %c23, %{{[a-z0-9_]+}} : index
// CHECK-DAG: %[[GY:[a-z0-9_]+]] = arith.ceildivui %[[M]], %{{[a-z0-9_]+}} : index
// CHECK: gpu.launch blocks(%[[BX:[a-z0-9_]+]], %[[BY:[a-z0-9_]+]], %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %[[GX]], %{{[a-z0-9_]+}} = %[[GY]], %{{[a-z0-9_]+}} = %c1)
// CHECK-SAME: threads(%[[TX:[a-z0-9_]+]], %[[TY:[a-z0-9_]+]], %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} = %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} = %c1)
// CHECK-SAME: workgroup(%[[AS:[a-z0-9_]+]] : memref<16x16xf32, #gpu.address_space<workgroup>>, %[[BS:[a-z0-9_]+]] : memref<16x16xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT: memref.dim
// The thread's own element is guarded by the dynamic M and by N.
// CHECK: %[[ROW:[a-z0-9_]+]] = arith.addi %{{[a-z0-9_]+}}, %[[TY]] : index
// CHECK: %[[ROWOK:[a-z0-9_]+]] = arith.cmpi ult, %[[ROW]], %[[M]] : index
// CHECK: %[[COL:[a-z0-9_]+]] = arith.addi %{{[a-z0-9_]+}}, %[[TX]] : index
// CHECK: %[[COLOK:[a-z0-9_]+]] = arith.cmpi ult, %[[COL]], %c23 : index
// CHECK: %[[OK:[a-z0-9_]+]] = arith.andi %[[ROWOK]], %[[COLOK]] : i1
// CHECK: %[[INIT:[a-z0-9_]+]] = scf.if %[[OK]] -> (f32) {
// CHECK: memref.load %[[C]][%[[ROW]], %[[COL]]]
// K = 37 is two full K-tiles and a partial one.
// CHECK: scf.for %[[K0:[a-z0-9_]+]] = %{{[a-z0-9_]+}} to %c37 step %{{[a-z0-9_]+}} iter_args(%{{[a-z0-9_]+}} = %[[INIT]]) -> (f32) {
// CHECK: arith.cmpi ult, %{{[a-z0-9_]+}}, %[[M]] : index
// CHECK: arith.cmpi ult, %{{[a-z0-9_]+}}, %c37 : index
// CHECK: scf.if
// CHECK: memref.load %[[A]]
// CHECK: memref.store %{{[a-z0-9_]+}}, %[[AS]]
// CHECK: arith.cmpi ult, %{{[a-z0-9_]+}}, %c37 : index
// CHECK: arith.cmpi ult, %{{[a-z0-9_]+}}, %c23 : index
// CHECK: scf.if
// CHECK: memref.load %[[B]]
// CHECK: memref.store %{{[a-z0-9_]+}}, %[[BS]]
// CHECK: gpu.barrier
// CHECK: %[[LEFT:[a-z0-9_]+]] = arith.subi %c37, %[[K0]] : index
// CHECK: %[[KEND:[a-z0-9_]+]] = arith.minui %[[LEFT]], %{{[a-z0-9_]+}} : index
// CHECK: scf.for %[[KK:[a-z0-9_]+]] = %{{[a-z0-9_]+}} to %[[KEND]] step %{{[a-z0-9_]+}} iter_args
// CHECK: %[[X:[a-z0-9_]+]] = memref.load %[[AS]][%[[TY]], %[[KK]]]
// CHECK: %[[Y:[a-z0-9_]+]] = memref.load %[[BS]][%[[KK]], %[[TX]]]
// CHECK: %[[P:[a-z0-9_]+]] = arith.mulf %[[X]], %[[Y]] : f32
// CHECK: arith.addf %{{[a-z0-9_]+}}, %[[P]] : f32
// CHECK: gpu.barrier
// CHECK: scf.if %[[OK]] {
// CHECK: memref.store %{{[a-z0-9_]+}}, %[[C]][%[[ROW]], %[[COL]]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.matmul

// The batch is grid z.
// CHECK-LABEL: func.func @batch_matmul
// CHECK: %[[NB:[a-z0-9_]+]] = memref.dim %arg0, %{{[a-z0-9_]+}} : memref<?x19x33xf32>
// CHECK: %[[GZ:[a-z0-9_]+]] = arith.muli %c1, %[[NB]] : index
// CHECK: gpu.launch blocks(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %[[BZ:[a-z0-9_]+]]) in (%{{[a-z0-9_]+}} = %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} = %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} = %[[GZ]])
// CHECK: memref.load %arg0[%[[BZ]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}] : memref<?x19x33xf32>
// CHECK: memref.load %arg1[%[[BZ]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}] : memref<?x33x21xf32>
// CHECK-NOT: linalg.batch_matmul

// A batch only the left operand has (nn.matmul of a 3-D by a 2-D operand).
// CHECK-LABEL: func.func @broadcast_batch
// CHECK: gpu.launch blocks(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %[[BZ:[a-z0-9_]+]]) in
// CHECK: memref.load %arg0[%[[BZ]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}] : memref<?x19x33xf32>
// CHECK: memref.load %arg1[%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}] : memref<33x18xf32>
// CHECK-NOT: linalg.generic

// A transposed right operand, in i32: the body is the op's own.
// CHECK-LABEL: func.func @transposed_b
// CHECK: workgroup(%{{[a-z0-9_]+}} : memref<16x16xi32, #gpu.address_space<workgroup>>, %{{[a-z0-9_]+}} : memref<16x16xi32, #gpu.address_space<workgroup>>)
// CHECK: arith.muli %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} : i32
// CHECK: arith.addi %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} : i32
// CHECK-NOT: linalg.generic

// Matrix-vector: no n dim, so one thread column and a 16x1 vector tile that
// each thread fills in turn.
// CHECK-LABEL: func.func @matvec
// CHECK: gpu.launch blocks(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} = %c1) threads(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %c1{{.*}}, %{{[a-z0-9_]+}} = %c16, %{{[a-z0-9_]+}} = %c1)
// CHECK-SAME: workgroup(%{{[a-z0-9_]+}} : memref<16x16xf32, #gpu.address_space<workgroup>>, %{{[a-z0-9_]+}} : memref<16x1xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for %{{[a-z0-9_]+}} = %{{[a-z0-9_]+}} to %c256 step %c16
// CHECK-NOT: linalg.generic

// Left alone: a dot product (no m, no n dim: a reduction) and a matmul on
// tensors (not bufferized).
// CHECK-LABEL: func.func @dot_left_alone
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK-LABEL: func.func @tensor_left_alone
// CHECK-NOT: gpu.launch
// CHECK: linalg.matmul

#mk = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#kn = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#mn = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#a2 = affine_map<(d0, d1) -> (d0, d1)>
#v1 = affine_map<(d0, d1) -> (d1)>
#o1 = affine_map<(d0, d1) -> (d0)>
#t_a = affine_map<(d0, d1, d2) -> (d0, d2)>
#t_b = affine_map<(d0, d1, d2) -> (d1, d2)>
#t_c = affine_map<(d0, d1, d2) -> (d0, d1)>
#dot = affine_map<(d0) -> (d0)>
#scalar = affine_map<(d0) -> ()>

func.func @matmul_dynamic_m(%a: memref<?x37xf32>, %b: memref<37x23xf32>, %c: memref<?x23xf32>) {
  linalg.matmul ins(%a, %b : memref<?x37xf32>, memref<37x23xf32>) outs(%c : memref<?x23xf32>)
  return
}

func.func @batch_matmul(%a: memref<?x19x33xf32>, %b: memref<?x33x21xf32>, %c: memref<?x19x21xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<?x19x33xf32>, memref<?x33x21xf32>) outs(%c : memref<?x19x21xf32>)
  return
}

func.func @broadcast_batch(%a: memref<?x19x33xf32>, %w: memref<33x18xf32>, %c: memref<?x19x18xf32>) {
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %w : memref<?x19x33xf32>, memref<33x18xf32>) outs(%c : memref<?x19x18xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

func.func @transposed_b(%a: memref<?x40xi32>, %bt: memref<24x40xi32>, %c: memref<?x24xi32>) {
  linalg.generic {indexing_maps = [#t_a, #t_b, #t_c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %bt : memref<?x40xi32>, memref<24x40xi32>) outs(%c : memref<?x24xi32>) {
  ^bb0(%x: i32, %y: i32, %acc: i32):
    %p = arith.muli %x, %y : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

func.func @matvec(%a: memref<?x33xf32>, %v: memref<33xf32>, %c: memref<?xf32>) {
  linalg.generic {indexing_maps = [#a2, #v1, #o1], iterator_types = ["parallel", "reduction"]}
      ins(%a, %v : memref<?x33xf32>, memref<33xf32>) outs(%c : memref<?xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

func.func @dot_left_alone(%a: memref<?xf32>, %b: memref<?xf32>, %c: memref<f32>) {
  linalg.generic {indexing_maps = [#dot, #dot, #scalar], iterator_types = ["reduction"]}
      ins(%a, %b : memref<?xf32>, memref<?xf32>) outs(%c : memref<f32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

func.func @tensor_left_alone(%a: tensor<4x8xf32>, %b: tensor<8x2xf32>, %c: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x2xf32>) outs(%c : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}
