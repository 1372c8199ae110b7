// nnc-gpu-copy-to-linalg: a memref.copy (from bufferizing an insert_slice,
// e.g. of a pad) becomes a linalg.copy, which the pipeline turns into a
// kernel instead of a host-side strided copy between device buffers.
// RUN: nnc-opt %s --nnc-gpu-copy-to-linalg | FileCheck %s
// RUN: nnc-opt %s --nnc-linalg-to-gpu | FileCheck %s --check-prefix=GPU

// CHECK-LABEL: func.func @pad_copy
// CHECK-SAME: (%[[A:.*]]: memref<?x4xf32>, %[[B:.*]]: memref<?x8xf32>)
// CHECK: %[[SUB:.*]] = memref.subview %[[B]]
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%[[A]] : memref<?x4xf32>) outs(%[[SUB]] : memref<?x4xf32, strided<[8, 1], offset: 2>>)
// CHECK-NOT: memref.copy

// GPU-LABEL: func.func @pad_copy
// GPU-NOT: memref.copy
// GPU: gpu.launch_func @pad_copy_kernel::@pad_copy_kernel {{.*}} args(%{{.*}} : memref<?x4xf32>, %{{.*}} : memref<?x4xf32, strided<[8, 1], offset: 2>>, %{{.*}} : index)
func.func @pad_copy(%a: memref<?x4xf32>, %b: memref<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %a, %c0 : memref<?x4xf32>
  %sub = memref.subview %b[0, 2] [%n, 4] [1, 1] : memref<?x8xf32> to memref<?x4xf32, strided<[8, 1], offset: 2>>
  memref.copy %a, %sub : memref<?x4xf32> to memref<?x4xf32, strided<[8, 1], offset: 2>>
  return
}
