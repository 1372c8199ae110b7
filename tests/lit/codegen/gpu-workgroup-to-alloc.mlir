// nnc-gpu-workgroup-to-alloc: a kernel's workgroup attribution becomes a
// memref.alloc in memory space 3 at the top of its body (the form the SPIR-V
// conversion turns into a Workgroup variable); uses follow it, and a kernel
// without attributions is unchanged.
// RUN: nnc-opt %s --nnc-gpu-workgroup-to-alloc | FileCheck %s

// CHECK-LABEL: gpu.func @tree
// CHECK-SAME: (%[[OUT:.*]]: memref<f32>) kernel
// CHECK-NOT: workgroup(
// CHECK: %[[S:.*]] = memref.alloc() : memref<64xf32, 3>
// CHECK: memref.store %{{.*}}, %[[S]][%{{.*}}] : memref<64xf32, 3>
// CHECK: gpu.barrier
// CHECK: memref.load %[[S]]
// CHECK-LABEL: gpu.func @plain
// CHECK-NOT: memref.alloc
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @tree(%out: memref<f32>) workgroup(%s : memref<64xf32, #gpu.address_space<workgroup>>) kernel {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %one = arith.constant 1.0 : f32
      memref.store %one, %s[%t] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %v = memref.load %s[%c0] : memref<64xf32, #gpu.address_space<workgroup>>
      memref.store %v, %out[] : memref<f32>
      gpu.return
    }
    gpu.func @plain(%out: memref<f32>) kernel {
      gpu.return
    }
  }
}
