// nnc-gpu-to-ptx: every outlined kernel becomes a gpu.binary holding PTX
// text for sm_80 (or the chip asked for); nnc-dump-ptx writes one .ptx per
// kernel, which ptxas assembles.
// REQUIRES: ptxas
// RUN: rm -rf %t && nnc-opt %s --nnc-lower-to-linalg --nnc-linalg-to-gpu --nnc-gpu-to-ptx --nnc-dump-ptx=dir=%t | FileCheck %s
// RUN: ptxas -arch=sm_80 %t/add_relu_kernel.ptx -o %t/add_relu_kernel.cubin
// RUN: ptxas -arch=sm_80 %t/add_relu_kernel_0.ptx -o %t/add_relu_kernel_0.cubin
// RUN: ptxas -arch=sm_80 %t/matmul_kernel.ptx -o %t/matmul_kernel.cubin
// RUN: ptxas -arch=sm_80 %t/row_sum_kernel.ptx -o %t/row_sum_kernel.cubin
// RUN: FileCheck %s --check-prefix=PTX < %t/add_relu_kernel.ptx
// RUN: FileCheck %s --check-prefix=SHFL < %t/row_sum_kernel.ptx
// RUN: rm -rf %t.90 && nnc-opt %s --nnc-lower-to-linalg --nnc-linalg-to-gpu --nnc-gpu-to-ptx=chip=sm_90 --nnc-dump-ptx=dir=%t.90 | FileCheck %s --check-prefix=SM90
// RUN: ptxas -arch=sm_90 %t.90/row_sum_kernel.ptx -o %t.90/row_sum_kernel.cubin

// The row sum (64 threads: two warps) adds each warp's partials with a
// butterfly of five shfl.sync.bfly (nnc-gpu-subgroup-to-shuffles); lane 0
// of each warp stores its sum, and after one barrier each warp adds the two
// sums with five more.
// SHFL: .entry row_sum_kernel(
// SHFL: mov.u32 {{.*}}%laneid;
// SHFL-COUNT-5: shfl.sync.bfly.b32
// SHFL: bar.sync 0;
// SHFL-COUNT-5: shfl.sync.bfly.b32
// SHFL: bar.sync 0;
// SHFL-NOT: bar.sync

// CHECK: llvm.func @add_relu
// CHECK: gpu.launch_func @add_relu_kernel::@add_relu_kernel
// CHECK: gpu.binary @add_relu_kernel [#gpu.object<#nvvm.target<chip = "sm_80", features = "+ptx80">, {{.*}}assembly = "
// CHECK: gpu.binary @add_relu_kernel_0
// CHECK: gpu.binary @matmul_kernel
// CHECK-NOT: gpu.binary @matmul_kernel_
// CHECK: gpu.binary @row_sum_kernel
// CHECK-NOT: gpu.binary @row_sum_kernel_

// PTX: .version 8.0
// PTX: .target sm_80
// PTX: .entry add_relu_kernel(

// SM90: gpu.binary @add_relu_kernel [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">

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
