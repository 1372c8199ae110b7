// nnc-gpu-flatten-memrefs: a launch that stores into a memref with a
// run-time stride (the transpose of a dynamic [B, 4]) gets a 1-D view of the
// root buffer and indexes it with offset + i * stride0 + j * stride1; the
// metadata is taken apart on the host. A memref with static strides is left
// alone.
// RUN: nnc-opt %s --nnc-gpu-flatten-memrefs | FileCheck %s

// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.*]]: memref<?x4xf32>, %[[T:.*]]: memref<4x?xf32>)
// CHECK: %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %[[T]]
// CHECK: %[[FLAT:.*]] = memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%{{.*}}], strides: [1] : memref<f32> to memref<?xf32>
// CHECK: gpu.launch
// CHECK: %[[V:.*]] = memref.load %[[X]][%{{.*}}, %{{.*}}] : memref<?x4xf32>
// CHECK: %[[A:.*]] = arith.muli %{{.*}}, %[[STRIDES]]#0
// CHECK: %[[B:.*]] = arith.addi %[[OFF]], %[[A]]
// CHECK: %[[C:.*]] = arith.muli %{{.*}}, %[[STRIDES]]#1
// CHECK: %[[D:.*]] = arith.addi %[[B]], %[[C]]
// CHECK: memref.store %[[V]], %[[FLAT]][%[[D]]] : memref<?xf32>
func.func @transpose(%x: memref<?x4xf32>, %t: memref<4x?xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%tx, %bx] : memref<?x4xf32>
    memref.store %v, %t[%bx, %tx] : memref<4x?xf32>
    gpu.terminator
  }
  return
}
