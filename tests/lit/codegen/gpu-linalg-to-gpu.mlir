// nnc-linalg-to-gpu: linalg on tensors becomes outlined gpu kernels; an
// elementwise op is one thread per output element in blocks of 256, in the
// row-major order of its loops (nnc-gpu-merge-elementwise, a batch of one);
// a dynamic dim reaches the kernel as an index argument (memref.dim stays
// on the host), temporaries between kernels are freed.
// RUN: nnc-opt %s --nnc-lower-to-linalg --nnc-linalg-to-gpu | FileCheck %s

// CHECK: module attributes {gpu.container_module}

// CHECK-LABEL: func.func @add_relu
// CHECK-SAME: (%[[X:.*]]: memref<?x4xf32>, %[[B:.*]]: memref<4xf32>) -> memref<?x4xf32>
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[DIM:.*]] = memref.dim %[[X]]
// CHECK: %[[T:.*]] = memref.alloc(%{{.*}}) {{.*}} : memref<?x4xf32>
// CHECK: %[[COUNT:.*]] = arith.muli %[[DIM]], %{{.*}} : index
// CHECK: gpu.launch_func @add_relu_kernel::@add_relu_kernel blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%[[C256]], %{{.*}}, %{{.*}}) args(%[[X]] : memref<?x4xf32>, %[[B]] : memref<4xf32>, %[[T]] : memref<?x4xf32>, %[[COUNT]] : index)
// CHECK: %[[R:.*]] = memref.alloc(%{{.*}}) {{.*}} : memref<?x4xf32>
// CHECK: gpu.launch_func @add_relu_kernel_0::@add_relu_kernel {{.*}} args(%[[T]] : memref<?x4xf32>, %[[R]] : memref<?x4xf32>, %[[COUNT]] : index)
// CHECK: memref.dealloc %[[T]]
// CHECK-NOT: memref.dealloc
// CHECK: return %[[R]]

// The kernel walks the B x 4 elements it is given in a grid-stride loop;
// each element's indices are its linear index's row-major digits.
// CHECK: gpu.module @add_relu_kernel
// CHECK: gpu.func @add_relu_kernel(%[[KX:[a-z0-9_]+]]: memref<?x4xf32>, %[[KB:[a-z0-9_]+]]: memref<4xf32>, %[[KY:[a-z0-9_]+]]: memref<?x4xf32>, %[[N:[a-z0-9_]+]]: index) kernel
// CHECK-NOT: memref.dim
// CHECK: gpu.block_id x
// CHECK: gpu.thread_id x
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[N]] step
// CHECK: %[[COL:.*]] = arith.remui %[[I]], %{{.*}} : index
// CHECK: %[[ROW:.*]] = arith.divui %[[I]], %{{.*}} : index
// CHECK: memref.load %[[KX]][%[[ROW]], %[[COL]]]
// CHECK: memref.load %[[KB]][%[[COL]]]
// CHECK: arith.addf
// CHECK: memref.store %{{.*}}, %[[KY]][%[[ROW]], %[[COL]]]
// CHECK: gpu.return
// CHECK: gpu.module @add_relu_kernel_0
// CHECK: gpu.func @add_relu_kernel(
// CHECK: arith.maximumf

// Static launch bounds are recorded on the kernel (known_block_size). The
// matmul is a register-tiled contraction (nnc-gpu-tile-contraction): M = 8
// rows shared by the workgroup, N = 32 columns over 4 threads of 8, each
// thread folding K = 16 into 64 accumulators; no workgroup memory. The zero
// fill of the output is no kernel of its own: the accumulators start at 0.
// CHECK-LABEL: func.func @matmul
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch_func @matmul_kernel::@matmul_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1)
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.func @matmul_kernel(%{{.*}}: memref<8x16xf32>, %{{.*}}: memref<16x32xf32>, %{{.*}}: memref<8x32xf32>) kernel attributes {known_block_size = array<i32: 4, 1, 1>
// CHECK-NOT: gpu.barrier
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32,
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: gpu.return

// One workgroup of 64 threads per row (the row's length), partials summed
// in workgroup memory; the number of rows reaches the kernel as an index.
// The zero fill of the sums is folded in (no kernel of its own).
// CHECK-LABEL: func.func @row_sum
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch_func @row_sum_kernel::@row_sum_kernel blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%c64, %c1, %c1)
// CHECK: gpu.func @row_sum_kernel(%{{.*}}: memref<?x64xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: index) workgroup(%[[P:.*]] : memref<64xf32, #gpu.address_space<workgroup>>) kernel attributes {known_block_size = array<i32: 64, 1, 1>}
// CHECK: arith.addf
// CHECK: memref.store %{{.*}}, %[[P]]
// CHECK: gpu.barrier
// CHECK: arith.addf
// CHECK: gpu.barrier

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
