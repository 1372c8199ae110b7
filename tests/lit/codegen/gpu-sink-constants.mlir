// nnc-gpu-sink-constants: constants move into the gpu.launch body; other
// values it uses, memref.dim included, stay on the host and become kernel
// arguments when the launch is outlined.
// RUN: nnc-opt %s --nnc-gpu-sink-constants | FileCheck %s

// CHECK-LABEL: func.func @sink
// CHECK-SAME: (%[[M:.*]]: memref<?xf32>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[D:.*]] = memref.dim %[[M]], %[[C0]]
// CHECK: gpu.launch
// CHECK-NEXT: %[[F:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NOT: memref.dim
// CHECK: arith.cmpi slt, %{{.*}}, %[[D]]
// CHECK: memref.store %[[F]], %[[M]]
func.func @sink(%m: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %d = memref.dim %m, %c0 : memref<?xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %in = arith.cmpi slt, %tx, %d : index
    scf.if %in {
      memref.store %one, %m[%tx] : memref<?xf32>
    }
    gpu.terminator
  }
  return
}
