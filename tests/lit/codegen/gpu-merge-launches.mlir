// nnc-gpu-merge-launches: independent gpu.launch ops become one launch whose
// workgroups are the members' workgroups end to end; each workgroup runs the
// member its linear index falls in, with that member's own workgroup and
// thread indices. A narrower member without workgroup memory runs several
// of its workgroups side by side in one; a launch with a barrier stays
// apart. nnc-gpu-record-launch-parts then marks each argument of
// the outlined kernel with the members that use it (for nnc --stats).
// RUN: nnc-opt %s -split-input-file --nnc-gpu-merge-launches --canonicalize --cse | FileCheck %s
// RUN: nnc-opt %s -split-input-file --nnc-gpu-merge-launches --gpu-kernel-outlining --nnc-gpu-record-launch-parts | FileCheck %s --check-prefix=PARTS

// A (256 threads, a dynamic grid g) and B (16 workgroups of 32 threads)
// both read %a and write different buffers: one launch of 256 threads; B
// has no barrier and no workgroup memory, so each workgroup runs 8 of B's
// side by side (2 in all). Workgroup (x, y) is number y * 65535 + x of
// g + 2.
// CHECK-LABEL: func.func @independent
// CHECK-SAME: (%[[A:.*]]: memref<?xf32>, %[[B:.*]]: memref<?xf32>, %[[C:.*]]: memref<512xf32>, %[[G:.*]]: index)
// CHECK: %[[TOTAL:.*]] = arith.addi %[[G]], %c2
// CHECK: %[[GX:.*]] = arith.minui %[[TOTAL]], %c65535
// CHECK: %[[GY:.*]] = arith.ceildivui %[[TOTAL]], %c65535
// CHECK: gpu.launch blocks(%[[BX:.*]], %[[BY:.*]], %{{.*}}) in (%{{.*}} = %[[GX]], %{{.*}} = %[[GY]], %{{.*}} = %c1{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c256{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}})
// CHECK: %[[ROW:.*]] = arith.muli %[[BY]], %c65535
// CHECK: %[[I:.*]] = arith.addi %[[ROW]], %[[BX]]
// CHECK: %[[IN0:.*]] = arith.cmpi ult, %[[I]], %[[G]]
// CHECK: scf.if %[[IN0]] {
// CHECK: arith.muli %[[I]], %c256
// CHECK: memref.store %{{.*}}, %[[B]]
// CHECK: } {nnc.part = 0 : i64}
// CHECK: %[[L1:.*]] = arith.subi %[[I]], %[[G]]
// CHECK: %[[IN1:.*]] = arith.cmpi ult, %[[L1]], %c2
// CHECK: scf.if %[[IN1]] {
// CHECK: %[[W1:.*]] = arith.divui %[[TX]], %c32
// CHECK: %[[W0:.*]] = arith.muli %[[L1]], %c8
// CHECK: %[[W:.*]] = arith.addi %[[W0]], %[[W1]]
// CHECK: %[[T:.*]] = arith.remui %[[TX]], %c32
// CHECK: %[[WLT:.*]] = arith.cmpi ult, %[[W]], %c16
// CHECK: scf.if %[[WLT]] {
// CHECK: %[[E:.*]] = arith.muli %[[W]], %c32
// CHECK: %[[E2:.*]] = arith.addi %[[E]], %[[T]]
// CHECK: memref.load %[[A]][%[[E2]]]
// CHECK: memref.store %{{.*}}, %[[C]][%[[E2]]]
// CHECK: } {nnc.part = 1 : i64}
// CHECK-NOT: gpu.launch

// PARTS-LABEL: func.func @independent
// PARTS: gpu.launch_func @independent_kernel::@independent_kernel
// PARTS: gpu.func @independent_kernel(
// PARTS-SAME: %{{.*}}: memref<?xf32> {nnc.parts = array<i64: 0, 1>}
// PARTS-SAME: %{{.*}}: memref<?xf32> {nnc.parts = array<i64: 0>}
// PARTS-SAME: %{{.*}}: memref<512xf32> {nnc.parts = array<i64: 1>}
// PARTS-NOT: nnc.part =
func.func @independent(%a: memref<?xf32>, %b: memref<?xf32>, %c: memref<512xf32>, %g: index) {
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %g, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c256 : index
    %i = arith.addi %base, %tx : index
    %v = memref.load %a[%i] : memref<?xf32>
    memref.store %v, %b[%i] : memref<?xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c16, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c32 : index
    %i = arith.addi %base, %tx : index
    %v = memref.load %a[%i] : memref<?xf32>
    %w = arith.mulf %v, %v : f32
    memref.store %w, %c[%i] : memref<512xf32>
    gpu.terminator
  }
  return
}

// -----

// B reads what A writes: two launches, as they were.
// CHECK-LABEL: func.func @dependent
// CHECK: gpu.launch
// CHECK: gpu.launch
func.func @dependent(%a: memref<256xf32>, %b: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %f = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    memref.store %f, %a[%tx] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %v = memref.load %a[%tx] : memref<256xf32>
    memref.store %v, %b[%tx] : memref<256xf32>
    gpu.terminator
  }
  return
}

// -----

// Launches that wait at barriers stay apart (on lavapipe a barrier anywhere
// in a shader slows all of it: eight bias-gradient reductions in one shader
// ran 4x slower than apart).
// CHECK-LABEL: func.func @barriers
// CHECK: gpu.launch
// CHECK: gpu.launch
func.func @barriers(%a: memref<256xf32>, %b: memref<256xf32>, %c: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1)
             workgroup(%ws : memref<256xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %a[%tx] : memref<256xf32>
    memref.store %v, %ws[%tx] : memref<256xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %ws[%tx] : memref<256xf32, #gpu.address_space<workgroup>>
    memref.store %w, %b[%tx] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1)
             workgroup(%ws : memref<256xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %a[%tx] : memref<256xf32>
    memref.store %v, %ws[%tx] : memref<256xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %ws[%tx] : memref<256xf32, #gpu.address_space<workgroup>>
    memref.store %w, %c[%tx] : memref<256xf32>
    gpu.terminator
  }
  return
}

// -----

// Nor does a launch with a barrier join one without.
// CHECK-LABEL: func.func @barrier_apart
// CHECK: gpu.launch
// CHECK: gpu.launch
func.func @barrier_apart(%a: memref<256xf32>, %b: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %f = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    memref.store %f, %a[%tx] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    memref.store %f, %b[%tx] : memref<256xf32>
    gpu.barrier
    gpu.terminator
  }
  return
}

// -----
// C joins A past B (B reads A's output, C touches neither): C's buffer,
// allocated after B, is allocated before the merged launch; B follows it.
// A 2-D grid and 2-D threads are recovered from the linear indices.
// CHECK-LABEL: func.func @past_dependent
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<64x32xf32>
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c7{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c256{{.*}},
// CHECK: %[[L:.*]] = arith.subi %[[BX]], %c1
// CHECK: %[[GX:.*]] = arith.remui %[[L]], %c2
// CHECK: %[[GY:.*]] = arith.divui %[[L]], %c2
// CHECK: %[[TXX:.*]] = arith.remui %[[TX]], %c16
// CHECK: %[[TYY:.*]] = arith.divui %[[TX]], %c16
// CHECK: %[[R0:.*]] = arith.muli %[[GY]], %c16
// CHECK: %[[R:.*]] = arith.addi %[[R0]], %[[TYY]]
// CHECK: %[[K0:.*]] = arith.muli %[[GX]], %c16
// CHECK: %[[K:.*]] = arith.addi %[[K0]], %[[TXX]]
// CHECK: memref.store %{{.*}}, %[[OUT]][%[[R]], %[[K]]]
// CHECK: {nnc.part = 1 : i64}
// CHECK: gpu.launch
// CHECK: memref.load %{{.*}}[%{{.*}}] : memref<256xf32>
// CHECK-NOT: gpu.launch
func.func @past_dependent(%a: memref<256xf32>, %b: memref<256xf32>, %x: memref<64x32xf32>) -> memref<64x32xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c16 = arith.constant 16 : index
  %c256 = arith.constant 256 : index
  %f = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    memref.store %f, %a[%tx] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %v = memref.load %a[%tx] : memref<256xf32>
    memref.store %v, %b[%tx] : memref<256xf32>
    gpu.terminator
  }
  %out = memref.alloc() : memref<64x32xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c3, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c16, %sz = %c1) {
    %r0 = arith.muli %by, %c16 : index
    %r = arith.addi %r0, %ty : index
    %k0 = arith.muli %bx, %c16 : index
    %k = arith.addi %k0, %tx : index
    %v = memref.load %x[%r, %k] : memref<64x32xf32>
    memref.store %v, %out[%r, %k] : memref<64x32xf32>
    gpu.terminator
  }
  return %out : memref<64x32xf32>
}

// -----

// A narrower launch shares a wider one's block only as independent slices:
// not with workgroup memory, and not with fewer workgroups than fill one
// (4 workgroups of 2 threads in 256).
// CHECK-LABEL: func.func @narrow_apart
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK: gpu.launch
func.func @narrow_apart(%a: memref<256xf32>, %b: memref<64xf32>, %c: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %f = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    memref.store %f, %a[%tx] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%ws : memref<64xf32, #gpu.address_space<workgroup>>) {
    memref.store %f, %ws[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    %v = memref.load %ws[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %v, %b[%tx] : memref<64xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c2, %sy = %c1, %sz = %c1) {
    %i0 = arith.muli %bx, %c2 : index
    %i = arith.addi %i0, %tx : index
    memref.store %f, %c[%i] : memref<8xf32>
    gpu.terminator
  }
  return
}

// -----

// Running C with A would allocate C's 1 MiB output before A's is freed: two
// live at once where one was the peak. It stays where it is (and B, which
// reads A's output, and D, which reads C's, depend on the others).
// CHECK-LABEL: func.func @keeps_peak
// CHECK-COUNT-4: gpu.launch blocks
func.func @keeps_peak(%x: memref<262144xf32>, %y: memref<262144xf32>, %z: memref<262144xf32>) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %c1024 = arith.constant 1024 : index
  %big1 = memref.alloc() : memref<262144xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1024, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %i0 = arith.muli %bx, %c256 : index
    %i = arith.addi %i0, %tx : index
    %v = memref.load %x[%i] : memref<262144xf32>
    memref.store %v, %big1[%i] : memref<262144xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1024, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %i0 = arith.muli %bx, %c256 : index
    %i = arith.addi %i0, %tx : index
    %v = memref.load %big1[%i] : memref<262144xf32>
    memref.store %v, %y[%i] : memref<262144xf32>
    gpu.terminator
  }
  memref.dealloc %big1 : memref<262144xf32>
  %big2 = memref.alloc() : memref<262144xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1024, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %i0 = arith.muli %bx, %c256 : index
    %i = arith.addi %i0, %tx : index
    %v = memref.load %x[%i] : memref<262144xf32>
    memref.store %v, %big2[%i] : memref<262144xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1024, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %i0 = arith.muli %bx, %c256 : index
    %i = arith.addi %i0, %tx : index
    %v = memref.load %big2[%i] : memref<262144xf32>
    memref.store %v, %z[%i] : memref<262144xf32>
    gpu.terminator
  }
  memref.dealloc %big2 : memref<262144xf32>
  return
}

// -----
// L reads what X writes, so it cannot run at S; S (which X does not touch)
// can run at L instead: X, then S and L as one launch.
// CHECK-LABEL: func.func @sink
// CHECK: gpu.launch blocks({{.*}}) threads({{.*}}) in (%{{.*}} = %c32
// CHECK: memref.store %{{.*}}, %[[T:.*]][
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c2{{.*}}) threads({{.*}}) in (%{{.*}} = %c256
// CHECK: memref.store %{{.*}}, %[[W:.*]][
// CHECK: {nnc.part = 0 : i64}
// CHECK: memref.load %[[T]]
// CHECK: {nnc.part = 1 : i64}
// CHECK-NOT: gpu.launch
func.func @sink(%x: memref<256xf32>, %w: memref<256xf32>, %t: memref<32xf32>, %z: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%tx] : memref<256xf32>
    memref.store %v, %w[%tx] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%tx] : memref<256xf32>
    memref.store %v, %t[%tx] : memref<32xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %i = arith.remui %tx, %c32 : index
    %v = memref.load %t[%i] : memref<32xf32>
    memref.store %v, %z[%tx] : memref<256xf32>
    gpu.terminator
  }
  return
}

// -----

// A kernel on 64-bit integers stays apart from one on 32-bit floats (a
// device without Int64 still runs the latter).
// CHECK-LABEL: func.func @int64_apart
// CHECK: gpu.launch
// CHECK: gpu.launch
func.func @int64_apart(%a: memref<256xi64>, %b: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %i = arith.constant 1 : i64
  %f = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    memref.store %i, %a[%tx] : memref<256xi64>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    memref.store %f, %b[%tx] : memref<256xf32>
    gpu.terminator
  }
  return
}
