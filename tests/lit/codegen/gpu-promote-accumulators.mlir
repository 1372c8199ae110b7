// nnc-gpu-promote-accumulators: a kernel loop that loads and stores one
// element of a memref at loop-invariant indices on every iteration carries the
// value as an iter_arg instead: one load before the loop, one store after.
// Nested reduction loops are promoted innermost first, then outward; existing
// iter_args are kept; a loop that may run zero times guards the hoisted load
// and store. Loops where the index depends on the iv, the memref is stored to
// twice, another memref is written, or a barrier is crossed are left alone.
// RUN: nnc-opt %s --split-input-file --nnc-gpu-promote-accumulators | FileCheck %s

// CHECK-LABEL: gpu.func @simple
// CHECK-SAME: (%[[A:.*]]: memref<?x64xf32>, %[[C:.*]]: memref<?xf32>)
// CHECK: %[[I:.*]] = gpu.thread_id x
// CHECK: %[[INIT:.*]] = memref.load %[[C]][%[[I]]]
// CHECK: %[[R:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32)
// CHECK-NOT: memref.store
// CHECK: %[[X:.*]] = memref.load %[[A]][%[[I]], %[[K]]]
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %[[X]]
// CHECK: scf.yield %[[S]] : f32
// CHECK: memref.store %[[R]], %[[C]][%[[I]]]
// CHECK-NEXT: gpu.return
gpu.module @m {
  gpu.func @simple(%a: memref<?x64xf32>, %c: memref<?xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %i = gpu.thread_id x
    scf.for %k = %c0 to %c64 step %c1 {
      %acc = memref.load %c[%i] : memref<?xf32>
      %x = memref.load %a[%i, %k] : memref<?x64xf32>
      %s = arith.addf %acc, %x : f32
      memref.store %s, %c[%i] : memref<?xf32>
    }
    gpu.return
  }
}

// -----

// A conv-like nest of three reduction loops: one load before the outermost,
// one store after it, no memory access to %c inside.
// CHECK-LABEL: gpu.func @nested
// CHECK-SAME: (%[[X:.*]]: memref<1x3x8x8xf32>, %[[W:.*]]: memref<4x3x3x3xf32>, %[[C:.*]]: memref<1x4x6x6xf32>)
// CHECK: %[[INIT:.*]] = memref.load %[[C]]
// CHECK-NEXT: %[[R:.*]] = scf.for {{.*}} iter_args(%[[A0:.*]] = %[[INIT]]) -> (f32)
// CHECK-NEXT: %[[R1:.*]] = scf.for {{.*}} iter_args(%[[A1:.*]] = %[[A0]]) -> (f32)
// CHECK: %[[R2:.*]] = scf.for {{.*}} iter_args(%[[A2:.*]] = %[[A1]]) -> (f32)
// CHECK-NOT: memref.store
// CHECK: arith.mulf
// CHECK: %[[S:.*]] = arith.addf %[[A2]], %{{.*}}
// CHECK-NEXT: scf.yield %[[S]]
// CHECK: scf.yield %[[R2]]
// CHECK: scf.yield %[[R1]]
// CHECK: memref.store %[[R]], %[[C]]
// CHECK-NEXT: gpu.return
gpu.module @m {
  gpu.func @nested(%x: memref<1x3x8x8xf32>, %w: memref<4x3x3x3xf32>, %c: memref<1x4x6x6xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %f = gpu.block_id x
    %oh = gpu.thread_id x
    %ow = gpu.thread_id y
    scf.for %ci = %c0 to %c3 step %c1 {
      scf.for %kh = %c0 to %c3 step %c1 {
        scf.for %kw = %c0 to %c3 step %c1 {
          %ih = arith.addi %oh, %kh : index
          %iw = arith.addi %ow, %kw : index
          %xv = memref.load %x[%c0, %ci, %ih, %iw] : memref<1x3x8x8xf32>
          %wv = memref.load %w[%f, %ci, %kh, %kw] : memref<4x3x3x3xf32>
          %acc = memref.load %c[%c0, %f, %oh, %ow] : memref<1x4x6x6xf32>
          %p = arith.mulf %xv, %wv : f32
          %s = arith.addf %acc, %p : f32
          memref.store %s, %c[%c0, %f, %oh, %ow] : memref<1x4x6x6xf32>
        }
      }
    }
    gpu.return
  }
}

// -----

// An existing iter_arg is kept, the accumulator is appended after it. The
// bound is dynamic, so the load and the store are guarded by lb < ub.
// CHECK-LABEL: gpu.func @existing_iter_args
// CHECK-SAME: (%[[A:.*]]: memref<?xf32>, %[[C:.*]]: memref<4xf32>, %[[N:.*]]: index, %[[OUT:.*]]: memref<4xi32>)
// CHECK: %[[NE:.*]] = arith.cmpi slt, %{{.*}}, %[[N]] : index
// CHECK-NEXT: %[[INIT:.*]] = scf.if %[[NE]] -> (f32) {
// CHECK-NEXT: %[[V:.*]] = memref.load %[[C]][%{{.*}}]
// CHECK-NEXT: scf.yield %[[V]]
// CHECK: %[[R:.*]]:2 = scf.for {{.*}} to %[[N]] step {{.*}} iter_args(%[[CNT:.*]] = %{{.*}}, %[[ACC:.*]] = %[[INIT]]) -> (i32, f32)
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %{{.*}}
// CHECK: %[[CNT1:.*]] = arith.addi %[[CNT]], %{{.*}}
// CHECK: scf.yield %[[CNT1]], %[[S]] : i32, f32
// CHECK: scf.if %[[NE]] {
// CHECK-NEXT: memref.store %[[R]]#1, %[[C]][%{{.*}}]
// CHECK: memref.store %[[R]]#0, %[[OUT]]
gpu.module @m {
  gpu.func @existing_iter_args(%a: memref<?xf32>, %c: memref<4xf32>, %n: index, %out: memref<4xi32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %z = arith.constant 0 : i32
    %one = arith.constant 1 : i32
    %i = gpu.thread_id x
    %cnt = scf.for %k = %c0 to %n step %c1 iter_args(%it = %z) -> (i32) {
      %acc = memref.load %c[%i] : memref<4xf32>
      %x = memref.load %a[%k] : memref<?xf32>
      %s = arith.addf %acc, %x : f32
      memref.store %s, %c[%i] : memref<4xf32>
      %it1 = arith.addi %it, %one : i32
      scf.yield %it1 : i32
    }
    memref.store %cnt, %out[%i] : memref<4xi32>
    gpu.return
  }
}

// -----

// After nnc-gpu-flatten-memrefs: a 1-D memref and a linear index computed in
// the loop body from loop-invariant values; it is hoisted and qualifies.
// CHECK-LABEL: gpu.func @flattened
// CHECK: %[[IDX:.*]] = arith.addi
// CHECK: %[[INIT:.*]] = memref.load %{{.*}}[%[[IDX]]] : memref<?xf32>
// CHECK: %[[R:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (f32)
// CHECK-NOT: memref.store
// CHECK: scf.yield
// CHECK: memref.store %[[R]], %{{.*}}[%[[IDX]]] : memref<?xf32>
gpu.module @m {
  gpu.func @flattened(%a: memref<?xf32>, %c: memref<?xf32>, %off: index, %s0: index) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %i = gpu.thread_id x
    scf.for %k = %c0 to %c16 step %c1 {
      %m = arith.muli %i, %s0 : index
      %lin = arith.addi %off, %m : index
      %acc = memref.load %c[%lin] : memref<?xf32>
      %x = memref.load %a[%k] : memref<?xf32>
      %s = arith.addf %acc, %x : f32
      memref.store %s, %c[%lin] : memref<?xf32>
    }
    gpu.return
  }
}

// -----

// Negative: the index depends on the iv (a scan-like write per iteration).
// CHECK-LABEL: gpu.func @index_depends_on_iv
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.load %{{.*}}[%{{.*}}]
// CHECK: memref.store
// CHECK: gpu.return
gpu.module @m {
  gpu.func @index_depends_on_iv(%c: memref<64xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c63 = arith.constant 63 : index
    scf.for %k = %c0 to %c63 step %c1 {
      %acc = memref.load %c[%k] : memref<64xf32>
      %s = arith.addf %acc, %acc : f32
      memref.store %s, %c[%k] : memref<64xf32>
    }
    gpu.return
  }
}

// -----

// Negative: a second store to the same memref in the loop.
// CHECK-LABEL: gpu.func @second_store
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.load
// CHECK: memref.store
// CHECK: memref.store
// CHECK: gpu.return
gpu.module @m {
  gpu.func @second_store(%a: memref<?xf32>, %c: memref<64xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %i = gpu.thread_id x
    %j = gpu.thread_id y
    scf.for %k = %c0 to %c16 step %c1 {
      %acc = memref.load %c[%i] : memref<64xf32>
      %x = memref.load %a[%k] : memref<?xf32>
      %s = arith.addf %acc, %x : f32
      memref.store %s, %c[%i] : memref<64xf32>
      memref.store %x, %c[%j] : memref<64xf32>
    }
    gpu.return
  }
}

// -----

// Negative: a gpu.barrier in the loop (another thread may read the value).
// CHECK-LABEL: gpu.func @barrier
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.load
// CHECK: memref.store
// CHECK: gpu.barrier
// CHECK: gpu.return
gpu.module @m {
  gpu.func @barrier(%a: memref<?xf32>, %c: memref<64xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %i = gpu.thread_id x
    scf.for %k = %c0 to %c16 step %c1 {
      %acc = memref.load %c[%i] : memref<64xf32>
      %x = memref.load %a[%k] : memref<?xf32>
      %s = arith.addf %acc, %x : f32
      memref.store %s, %c[%i] : memref<64xf32>
      gpu.barrier
    }
    gpu.return
  }
}

// -----

// Negative: another memref is written in the loop (it may alias %c: both are
// kernel arguments, which the runtime may bind to overlapping views).
// CHECK-LABEL: gpu.func @other_memref_written
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.load
// CHECK: memref.store
// CHECK: memref.store
// CHECK: gpu.return
gpu.module @m {
  gpu.func @other_memref_written(%a: memref<?xf32>, %c: memref<64xf32>, %d: memref<64xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %i = gpu.thread_id x
    scf.for %k = %c0 to %c16 step %c1 {
      %acc = memref.load %c[%i] : memref<64xf32>
      %x = memref.load %a[%k] : memref<?xf32>
      %s = arith.addf %acc, %x : f32
      memref.store %s, %c[%i] : memref<64xf32>
      memref.store %s, %d[%k] : memref<64xf32>
    }
    gpu.return
  }
}

// -----

// Negative: a view of the same buffer is read in the loop.
// CHECK-LABEL: gpu.func @same_root_read
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.store
// CHECK: gpu.return
gpu.module @m {
  gpu.func @same_root_read(%c: memref<64xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %i = gpu.thread_id x
    %v = memref.subview %c[16] [16] [1] : memref<64xf32> to memref<16xf32, strided<[1], offset: 16>>
    scf.for %k = %c0 to %c16 step %c1 {
      %acc = memref.load %c[%i] : memref<64xf32>
      %x = memref.load %v[%k] : memref<16xf32, strided<[1], offset: 16>>
      %s = arith.addf %acc, %x : f32
      memref.store %s, %c[%i] : memref<64xf32>
    }
    gpu.return
  }
}

// -----

// Negative: the load and the store are in an scf.if in the loop; hoisting
// them would touch %c in a thread whose condition never holds.
// CHECK-LABEL: gpu.func @conditional
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: scf.if
// CHECK: memref.store
// CHECK: gpu.return
gpu.module @m {
  gpu.func @conditional(%a: memref<?xf32>, %c: memref<64xf32>, %p: i1) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %i = gpu.thread_id x
    scf.for %k = %c0 to %c16 step %c1 {
      scf.if %p {
        %acc = memref.load %c[%i] : memref<64xf32>
        %x = memref.load %a[%k] : memref<?xf32>
        %s = arith.addf %acc, %x : f32
        memref.store %s, %c[%i] : memref<64xf32>
      }
    }
    gpu.return
  }
}
