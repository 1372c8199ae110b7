// nnc-gpu-subgroup-to-shuffles (before convert-gpu-to-nvvm, which has no
// f32 subgroup_reduce lowering): a subgroup reduction is a butterfly of
// five gpu.shuffle xor over a 32-lane warp; the subgroup id is the linear
// thread id / 32, the subgroup count the workgroup's threads / 32,
// rounded up, and the subgroup size 32. An i64 reduction (no 32-bit shuffle) is an error, not a
// crash.
// RUN: nnc-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(gpu.module(nnc-gpu-subgroup-to-shuffles))' | FileCheck %s

// CHECK-LABEL: gpu.func @sum
// CHECK-NOT: gpu.subgroup_reduce
// CHECK: %[[S1:.*]], %{{.*}} = gpu.shuffle  xor %[[V:.*]], %c1_i32, %c32_i32 : f32
// CHECK: %[[A1:.*]] = arith.addf %[[V]], %[[S1]] : f32
// CHECK: gpu.shuffle  xor %[[A1]], %c2_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c4_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c8_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32 : f32
// CHECK-NOT: gpu.shuffle
// CHECK-NOT: gpu.subgroup_id
// CHECK-NOT: gpu.num_subgroups
// CHECK-NOT: gpu.subgroup_size
// CHECK-DAG: arith.divui %{{.*}}, %c32 : index
// CHECK-DAG: %[[COUNT:.*]] = arith.ceildivui %{{.*}}, %c32 : index
// CHECK-DAG: arith.addi %[[COUNT]], %c32 : index
// CHECK: gpu.return
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @sum(%a: memref<256xf32>, %o: memref<8xf32>, %n: memref<index>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<256xf32>
      %r = gpu.subgroup_reduce add %v : (f32) -> f32
      %sg = gpu.subgroup_id : index
      %count = gpu.num_subgroups : index
      %size = gpu.subgroup_size : index
      %both = arith.addi %count, %size : index
      memref.store %r, %o[%sg] : memref<8xf32>
      memref.store %both, %n[] : memref<index>
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @wide(%a: memref<256xi64>, %o: memref<i64>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<256xi64>
      // expected-error @below {{nnc-gpu-subgroup-to-shuffles: no shuffle lowering for 'i64'}}
      %r = gpu.subgroup_reduce add %v : (i64) -> i64
      memref.store %r, %o[] : memref<i64>
      gpu.return
    }
  }
}
