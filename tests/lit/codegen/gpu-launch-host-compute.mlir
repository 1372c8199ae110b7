// nnc-gpu-launch-host-compute: compute left on the host (a full reduction
// has no parallel loop) moves into one-thread gpu.launch ops; index math,
// allocations and views stay on the host for the launch plan, and a float
// made from a size is cloned into the launch that uses it.
// RUN: nnc-opt %s --nnc-gpu-launch-host-compute | FileCheck %s
// RUN: nnc-opt %s --nnc-gpu-launch-host-compute --nnc-gpu-sink-constants --gpu-kernel-outlining | FileCheck %s --check-prefix=OUTLINED

// CHECK-LABEL: func.func @mean
// CHECK: %[[N:.*]] = memref.dim
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<f32>
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[ONE:[a-z0-9_]+]], {{.*}} = %[[ONE]], {{.*}} = %[[ONE]]) threads({{.*}}) in ({{.*}} = %[[ONE]], {{.*}} = %[[ONE]], {{.*}} = %[[ONE]])
// CHECK: memref.store %{{.*}}, %[[ACC]][]
// CHECK: scf.for
// CHECK: gpu.terminator
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<f32>
// CHECK: gpu.launch
// CHECK: arith.index_castui %[[N]]
// CHECK: arith.uitofp
// CHECK: arith.divf
// CHECK: memref.store %{{.*}}, %[[OUT]][]
// CHECK: gpu.terminator
// CHECK: return %[[OUT]]

// After outlining, the kernels take the size as an index and compute the
// float themselves.
// OUTLINED: gpu.launch_func @mean_kernel::@mean_kernel blocks in ({{.*}}) threads in ({{.*}}) args(%{{.*}} : memref<f32>, %{{.*}} : memref<?xf32>, %{{.*}} : index)
// OUTLINED: gpu.launch_func @mean_kernel_0::@mean_kernel blocks in ({{.*}}) threads in ({{.*}}) args(%{{.*}} : memref<f32>, %{{.*}} : index, %{{.*}} : memref<f32>)
// OUTLINED: gpu.func @mean_kernel(%{{.*}}: memref<f32>, %{{.*}}: index, %{{.*}}: memref<f32>) kernel
// OUTLINED: arith.uitofp
func.func @mean(%x: memref<?xf32>) -> memref<f32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?xf32>
  %acc = memref.alloc() : memref<f32>
  memref.store %zero, %acc[] : memref<f32>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %x[%i] : memref<?xf32>
    %s = memref.load %acc[] : memref<f32>
    %t = arith.addf %v, %s : f32
    memref.store %t, %acc[] : memref<f32>
  }
  %ni = arith.index_castui %n : index to i64
  %nf = arith.uitofp %ni : i64 to f32
  %out = memref.alloc() : memref<f32>
  %sum = memref.load %acc[] : memref<f32>
  %m = arith.divf %sum, %nf : f32
  memref.store %m, %out[] : memref<f32>
  memref.dealloc %acc : memref<f32>
  return %out : memref<f32>
}
