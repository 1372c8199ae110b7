// nnc-gpu-to-spirv with i64 data (argmax indices): without the Int64
// capability the kernel does not legalize; with int64=true the kernels that
// store i64 require Int64 and every binary passes spirv-val.
// REQUIRES: spirv-val
// RUN: not nnc-opt %s --nnc-lower-to-linalg --nnc-linalg-to-gpu --nnc-gpu-to-spirv 2>&1 | FileCheck %s --check-prefix=NOINT64
// RUN: rm -rf %t && nnc-opt %s --nnc-lower-to-linalg --nnc-linalg-to-gpu --nnc-gpu-to-spirv=int64=true --nnc-dump-spirv=dir=%t | FileCheck %s
// RUN: ls %t | FileCheck %s --check-prefix=FILES
// RUN: spirv-val --target-env vulkan1.1 %t/argmax_kernel.spv
// RUN: spirv-val --target-env vulkan1.1 %t/argmax_kernel_0.spv

// NOINT64: error: failed to legalize operation 'gpu.func'

// FILES: argmax_kernel.spv
// FILES-NEXT: argmax_kernel_0.spv
// FILES-NOT: .spv

// spirv-update-vce keeps Int64 only where a kernel touches i64 data: the
// argmax (one kernel: a thread per row from the fills' values) does, the
// row sum (a workgroup per row of 300, its subgroups adding with
// OpGroupNonUniformFAdd) does not.
// CHECK: spirv.module @__spv__argmax_kernel Logical GLSL450 requires #spirv.vce<v1.0, [Shader, Int64, Matrix],
// CHECK: spirv.module @__spv__argmax_kernel_0 Logical GLSL450 requires #spirv.vce<v1.3, [Shader, GroupNonUniformArithmetic, Matrix, GroupNonUniform],

func.func @argmax(%x: tensor<?x10xf32>, %y: tensor<?x300xf32>) -> (tensor<?xi64>, tensor<?xf32>) {
  %0 = nn.argmax %x {axis = 1 : i64, keepdims = false} : tensor<?x10xf32> -> tensor<?xi64>
  %1 = nn.sum %y {axes = array<i64: 1>, keepdims = false} : tensor<?x300xf32> -> tensor<?xf32>
  return %0, %1 : tensor<?xi64>, tensor<?xf32>
}
