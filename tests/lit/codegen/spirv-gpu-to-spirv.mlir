// nnc-gpu-to-spirv: every outlined kernel becomes a spirv.module with a
// GLCompute entry point whose LocalSize is the launch's block size, each
// argument a storage buffer at bind(0, i), the dynamic size an i32 buffer;
// nnc-dump-spirv writes one binary per kernel, which spirv-val accepts.
// REQUIRES: spirv-val
// RUN: rm -rf %t && nnc-opt %s --nnc-lower-to-linalg --nnc-linalg-to-gpu --nnc-gpu-to-spirv --nnc-dump-spirv=dir=%t | FileCheck %s
// RUN: spirv-val --target-env vulkan1.1 %t/add_relu_kernel.spv
// RUN: spirv-val --target-env vulkan1.1 %t/add_relu_kernel_0.spv
// RUN: spirv-val --target-env vulkan1.1 %t/matmul_kernel.spv
// RUN: spirv-val --target-env vulkan1.1 %t/row_sum_kernel.spv
// RUN: spirv-val --target-env vulkan1.1 %t/exp_kernel.spv
// RUN: ls %t | FileCheck %s --check-prefix=FILES

// FILES-COUNT-5: _kernel{{.*}}.spv
// FILES-NOT: .spv

// The target allows subgroup arithmetic; spirv-update-vce requires it only
// of the kernels that use it (the row sum below).
// CHECK: spirv.module @__spv__add_relu_kernel Logical GLSL450 requires #spirv.vce<v1.0, [Shader, Matrix], [SPV_KHR_storage_buffer_storage_class]>
// CHECK-SAME: #spirv.target_env<#spirv.vce<v1.3, [Shader, GroupNonUniform, GroupNonUniformArithmetic], [SPV_KHR_storage_buffer_storage_class]>
// CHECK: spirv.GlobalVariable @add_relu_kernel_arg_0 bind(0, 0) : !spirv.ptr<!spirv.struct<(!spirv.rtarray<f32, stride=4> [0])>, StorageBuffer>
// CHECK: spirv.GlobalVariable @add_relu_kernel_arg_1 bind(0, 1) : !spirv.ptr<!spirv.struct<(!spirv.array<4 x f32, stride=4> [0])>, StorageBuffer>
// CHECK: spirv.GlobalVariable @add_relu_kernel_arg_2 bind(0, 2) : !spirv.ptr<!spirv.struct<(!spirv.rtarray<f32, stride=4> [0])>, StorageBuffer>
// CHECK: spirv.GlobalVariable @add_relu_kernel_arg_3 bind(0, 3) : !spirv.ptr<!spirv.struct<(i32 [0])>, StorageBuffer>
// CHECK: spirv.func @add_relu_kernel()
// CHECK: spirv.EntryPoint "GLCompute" @add_relu_kernel
// CHECK: spirv.ExecutionMode @add_relu_kernel "LocalSize", 256, 1, 1
// CHECK: spirv.module @__spv__add_relu_kernel_0
// CHECK: spirv.ExecutionMode @add_relu_kernel "LocalSize", 256, 1, 1
// The matmul is a register-tiled contraction (nnc-gpu-tile-contraction):
// 4 threads of 8 x 8 outputs starting from the fill's zero (no fill kernel),
// no workgroup memory. The row sum (64 threads) adds each subgroup's
// partials with OpGroupNonUniformFAdd, the subgroups' sums meet in a
// Workgroup variable behind a control barrier.
// CHECK: spirv.module @__spv__matmul_kernel
// CHECK-NOT: Workgroup>
// CHECK: spirv.ExecutionMode @matmul_kernel "LocalSize", 4, 1, 1
// CHECK: spirv.module @__spv__row_sum_kernel Logical GLSL450 requires #spirv.vce<v1.3, [Shader, GroupNonUniformArithmetic, Matrix, GroupNonUniform]
// CHECK: spirv.GlobalVariable @__workgroup_mem__0 : !spirv.ptr<!spirv.struct<(!spirv.array<64 x f32>)>, Workgroup>
// CHECK: spirv.GroupNonUniformFAdd <Subgroup> <Reduce> %{{.*}} : f32 -> f32
// CHECK: spirv.ControlBarrier <Workgroup>, <Workgroup>, <AcquireRelease|WorkgroupMemory>
// CHECK: spirv.ExecutionMode @row_sum_kernel "LocalSize", 64, 1, 1

// math ops inside a kernel become GLSL extended instructions.
// CHECK: spirv.module @__spv__exp_kernel
// CHECK: spirv.GL.Exp %{{.*}} : f32
// CHECK: spirv.ExecutionMode @exp_kernel "LocalSize", 256, 1, 1

func.func @add_relu(%x: tensor<?x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = nn.add %x, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %1 = nn.relu %0 : tensor<?x4xf32> -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

func.func @matmul(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>) -> tensor<8x32xf32> {
  %0 = nn.matmul %x, %w : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

func.func @row_sum(%x: tensor<?x64xf32>) -> tensor<?xf32> {
  %0 = nn.sum %x {axes = array<i64: 1>, keepdims = false} : tensor<?x64xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

func.func @exp(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = nn.exp %x : tensor<?x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
