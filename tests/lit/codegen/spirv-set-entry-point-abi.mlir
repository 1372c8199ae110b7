// nnc-spirv-set-entry-point-abi: the workgroup size of a kernel is its
// known_block_size, else the workgroup-size option along x; an ABI already
// there and non-kernel functions are left alone.
// RUN: nnc-opt %s --nnc-spirv-set-entry-point-abi | FileCheck %s
// RUN: nnc-opt %s --nnc-spirv-set-entry-point-abi=workgroup-size=64 | FileCheck %s --check-prefix=WG64

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // CHECK-LABEL: gpu.func @dynamic_launch
    // CHECK-SAME: spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [256, 1, 1]>
    // WG64-LABEL: gpu.func @dynamic_launch
    // WG64-SAME: spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [64, 1, 1]>
    gpu.func @dynamic_launch(%a: memref<?xf32>) kernel {
      gpu.return
    }

    // CHECK-LABEL: gpu.func @static_launch
    // CHECK-SAME: spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [32, 4, 1]>
    // WG64-LABEL: gpu.func @static_launch
    // WG64-SAME: workgroup_size = [32, 4, 1]
    gpu.func @static_launch(%a: memref<8xf32>) kernel attributes {known_block_size = array<i32: 32, 4, 1>} {
      gpu.return
    }

    // CHECK-LABEL: gpu.func @already_set
    // CHECK-SAME: spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [8, 8, 1]>
    gpu.func @already_set(%a: memref<8xf32>) kernel attributes {spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [8, 8, 1]>} {
      gpu.return
    }

    // CHECK-LABEL: gpu.func @helper
    // CHECK-NOT: spirv.entry_point_abi
    // CHECK: gpu.return
    gpu.func @helper(%a: f32) {
      gpu.return
    }
  }
}
