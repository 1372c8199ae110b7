// nnc-gpu-parallel-outer: a linalg op whose parallel loop follows a
// reduction (a sum over the batch axis) has its loops reordered, parallel
// first, so that it lowers to one scf.parallel; ops already in order and
// named ops in order are left alone.
// RUN: nnc-opt %s --nnc-gpu-parallel-outer | FileCheck %s
// RUN: nnc-opt %s --nnc-gpu-parallel-outer --convert-linalg-to-parallel-loops | FileCheck %s --check-prefix=LOOPS

#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d1)>

// CHECK-DAG: #[[IN:map[0-9]*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[OUT:map[0-9]*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @sum_batch_axis
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction"]}
// LOOPS-LABEL: func.func @sum_batch_axis
// LOOPS: scf.parallel
// LOOPS: scf.for
// LOOPS-NOT: scf.parallel
func.func @sum_batch_axis(%x: memref<?x10xf32>, %y: memref<10xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x10xf32>) outs(%y : memref<10xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// CHECK-LABEL: func.func @in_order
// CHECK: linalg.matmul
// LOOPS-LABEL: func.func @in_order
func.func @in_order(%a: memref<?x4xf32>, %b: memref<4x8xf32>, %c: memref<?x8xf32>) {
  linalg.matmul ins(%a, %b : memref<?x4xf32>, memref<4x8xf32>) outs(%c : memref<?x8xf32>)
  return
}
