// nnc-gpu-merge-launches with `barriers` (CUDA's kernels): launches that
// wait at barriers merge too, where their threads are the block's (every
// thread of the block then runs the member and reaches its barriers; the
// branch that picks the member is the same for the whole workgroup), and the
// members' workgroup memory may total 32 KiB.
// RUN: nnc-opt %s -split-input-file --nnc-gpu-merge-launches=barriers=true --canonicalize --cse | FileCheck %s
// RUN: nnc-opt %s -split-input-file --nnc-gpu-merge-launches --canonicalize --cse | FileCheck %s --check-prefix=OFF

// Two 256-thread launches with barriers and 12 KiB of workgroup memory each:
// one launch of 1 + 2 workgroups, each member's barrier inside its branch.
// CHECK-LABEL: func.func @barriers
// CHECK: gpu.launch blocks(%[[BX:[a-z0-9_]+]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c3, %{{.*}} = %c1, %{{.*}} = %c1) threads({{.*}}) in (%{{.*}} = %c256, %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK-SAME: workgroup(%[[W0:[a-z0-9_]+]] : memref<3072xf32, #gpu.address_space<workgroup>>, %[[W1:[a-z0-9_]+]] : memref<3072xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %[[W0]]
// CHECK-NEXT: gpu.barrier
// CHECK: } {nnc.part = 0 : i64}
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %[[W1]]
// CHECK-NEXT: gpu.barrier
// CHECK: } {nnc.part = 1 : i64}
// CHECK-NOT: gpu.launch
// OFF-LABEL: func.func @barriers
// OFF: gpu.launch
// OFF: gpu.launch
func.func @barriers(%a: memref<256xf32>, %b: memref<256xf32>, %c: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1)
             workgroup(%ws : memref<3072xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %a[%tx] : memref<256xf32>
    memref.store %v, %ws[%tx] : memref<3072xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %ws[%tx] : memref<3072xf32, #gpu.address_space<workgroup>>
    memref.store %w, %b[%tx] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1)
             workgroup(%ws : memref<3072xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %a[%tx] : memref<256xf32>
    memref.store %v, %ws[%tx] : memref<3072xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %ws[%tx] : memref<3072xf32, #gpu.address_space<workgroup>>
    memref.store %w, %c[%tx] : memref<256xf32>
    gpu.terminator
  }
  return
}

// -----

// A launch with a barrier and fewer threads than the block stays apart: the
// block's other threads would not reach its barrier.
// CHECK-LABEL: func.func @narrow_barrier
// CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c256,
// CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c64,
func.func @narrow_barrier(%a: memref<256xf32>, %b: memref<256xf32>, %c: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %f = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    memref.store %f, %a[%tx] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c8, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%ws : memref<64xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %b[%tx] : memref<256xf32>
    memref.store %v, %ws[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %ws[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %w, %c[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}

// -----

// 20 KiB and 16 KiB of workgroup memory: over 32 KiB together, apart.
// CHECK-LABEL: func.func @too_much_shared
// CHECK: gpu.launch
// CHECK: gpu.launch
func.func @too_much_shared(%a: memref<256xf32>, %b: memref<256xf32>, %c: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1)
             workgroup(%ws : memref<5120xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %a[%tx] : memref<256xf32>
    memref.store %v, %ws[%tx] : memref<5120xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %ws[%tx] : memref<5120xf32, #gpu.address_space<workgroup>>
    memref.store %w, %b[%tx] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1)
             workgroup(%ws : memref<4096xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %a[%tx] : memref<256xf32>
    memref.store %v, %ws[%tx] : memref<4096xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %ws[%tx] : memref<4096xf32, #gpu.address_space<workgroup>>
    memref.store %w, %c[%tx] : memref<256xf32>
    gpu.terminator
  }
  return
}
