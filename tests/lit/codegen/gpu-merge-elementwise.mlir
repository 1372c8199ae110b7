// nnc-gpu-merge-elementwise: independent all-parallel linalg ops become one
// kernel over the concatenation of their iteration spaces: 256 threads per
// workgroup, at most 65535 workgroups and a grid-stride loop; each thread
// runs the op whose range holds its index. A dependent op starts a batch of
// its own; a lone op becomes a kernel of its own over its elements in
// row-major order (neighbouring threads, neighbouring elements).
// RUN: nnc-opt %s -split-input-file --nnc-gpu-merge-elementwise --canonicalize --cse | FileCheck %s

// Three independent ops (a broadcast add in place over a dynamic batch, a
// square, a 0-d fill): one launch over B*8 + 4 + 1 indices.
// CHECK-LABEL: func.func @independent
// CHECK-SAME: (%[[A:[a-z0-9_]+]]: memref<?x8xf32>, %[[B:[a-z0-9_]+]]: memref<8xf32>, %[[C:[a-z0-9_]+]]: memref<4xf32>, %[[D:[a-z0-9_]+]]: memref<4xf32>, %[[S:[a-z0-9_]+]]: memref<f32>)
// CHECK: %[[DIM:.*]] = memref.dim %[[A]], %c0
// CHECK: %[[N0:.*]] = arith.muli %[[DIM]], %c8
// CHECK: %[[OFF2:.*]] = arith.addi %[[N0]], %c4
// CHECK: %[[TOTAL:.*]] = arith.addi %[[N0]], %c5
// CHECK: %[[G:.*]] = arith.ceildivui %[[TOTAL]], %c256
// CHECK: %[[GRID:.*]] = arith.minui %[[G]], %c65535
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%[[GX:.*]] = %[[GRID]], %{{.*}} = %c1, %{{.*}} = %c1) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c256,
// CHECK: %[[FIRST:.*]] = arith.addi %{{.*}}, %[[TX]]
// CHECK: %[[STRIDE:.*]] = arith.muli %[[GX]], %c256
// CHECK: scf.for %[[I:.*]] = %[[FIRST]] to %[[TOTAL]] step %[[STRIDE]] {
// CHECK: scf.if
// CHECK: %[[COL:.*]] = arith.remui %[[I]], %c8
// CHECK: %[[ROW:.*]] = arith.divui %[[I]], %c8
// CHECK: memref.load %[[B]][%[[COL]]]
// CHECK: memref.load %[[A]][%[[ROW]], %[[COL]]]
// CHECK: memref.store %{{.*}}, %[[A]][%[[ROW]], %[[COL]]]
// CHECK: %[[L1:.*]] = arith.subi %[[I]], %[[N0]]
// CHECK: scf.if
// CHECK: memref.load %[[C]][%[[L1]]]
// CHECK: memref.store %{{.*}}, %[[D]][%[[L1]]]
// CHECK: arith.subi %[[I]], %[[OFF2]]
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %[[S]][]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.
#id = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @independent(%a: memref<?x8xf32>, %b: memref<8xf32>, %c: memref<4xf32>, %d: memref<4xf32>, %s: memref<f32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<8xf32>) outs(%a : memref<?x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %o, %x : f32
    linalg.yield %y : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%c : memref<4xf32>) outs(%d : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  }
  linalg.fill ins(%zero : f32) outs(%s : memref<f32>)
  return
}

// -----

// The second op reads what the first writes: it starts a second open
// batch (a batch of one: a kernel without range checks). The third is
// independent of the first and joins the first batch, the earliest that
// takes it; its buffer, allocated after the second op, is allocated before
// that kernel.
// CHECK-LABEL: func.func @dependent
// CHECK: %[[T:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: gpu.launch
// CHECK: arith.negf
// CHECK: memref.store %{{.*}}, %arg0[
// CHECK: arith.addf
// CHECK: memref.store %{{.*}}, %[[T]][
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK-NOT: scf.if
// CHECK: arith.mulf
// CHECK: memref.store %{{.*}}, %arg1[
// CHECK: gpu.terminator
// CHECK-NOT: linalg.
// CHECK: return %[[T]]
#i = affine_map<(d0) -> (d0)>
func.func @dependent(%a: memref<4xf32>, %b: memref<4xf32>, %c: memref<4xf32>) -> memref<4xf32> {
  linalg.generic {indexing_maps = [#i, #i], iterator_types = ["parallel"]}
      ins(%c : memref<4xf32>) outs(%a : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.negf %x : f32
    linalg.yield %y : f32
  }
  linalg.generic {indexing_maps = [#i, #i], iterator_types = ["parallel"]}
      ins(%a : memref<4xf32>) outs(%b : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  }
  %t = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [#i, #i], iterator_types = ["parallel"]}
      ins(%c : memref<4xf32>) outs(%t : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  }
  return %t : memref<4xf32>
}

// -----

// The reduction in between is a per-point reduction (one point: a 0-d sum
// of 4): independent of the first op, it joins its batch (its thread folds
// the 4 values in order from what %s holds). The third op reads what the
// batch writes: a kernel of its own.
// CHECK-LABEL: func.func @conflict_between
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %arg0[
// CHECK: scf.for {{.*}} iter_args
// CHECK: memref.store %{{.*}}, %arg2[]
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %arg3[]
// CHECK-NOT: linalg.
// CHECK: return
#v = affine_map<(d0) -> (d0)>
#r = affine_map<(d0) -> ()>
#z = affine_map<() -> ()>
func.func @conflict_between(%a: memref<4xf32>, %b: memref<4xf32>, %s: memref<f32>, %out: memref<f32>) {
  linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]}
      ins(%b : memref<4xf32>) outs(%a : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  linalg.generic {indexing_maps = [#v, #r], iterator_types = ["reduction"]}
      ins(%b : memref<4xf32>) outs(%s : memref<f32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %o, %x : f32
    linalg.yield %y : f32
  }
  linalg.generic {indexing_maps = [#z, #z], iterator_types = []}
      ins(%s : memref<f32>) outs(%out : memref<f32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  return
}

// -----

// A window read (the max-pool gradient over 2x2 windows: input maps with
// floordiv) and linalg.index in the body: the indices are computed from the
// linear index's digits, the index ops are the loops.
// CHECK-LABEL: func.func @window
// CHECK: gpu.launch
// CHECK: %[[W:.*]] = arith.remui %{{.*}}, %c4 : index
// CHECK: %[[H:.*]] = arith.divui %{{.*}}, %c4 : index
// CHECK: memref.load %arg0[%[[H]], %[[W]]]
// CHECK: arith.divsi %{{.*}}, %c2
// CHECK: memref.load %arg1[
// CHECK: arith.remui %[[W]], %c2
// CHECK: memref.store %{{.*}}, %arg2[%[[H]], %[[W]]]
// CHECK-NOT: linalg.
// CHECK: return
#cell = affine_map<(d0, d1) -> (d0, d1)>
#win = affine_map<(d0, d1) -> (d0 floordiv 2, d1 floordiv 2)>
func.func @window(%x: memref<4x4xf32>, %dy: memref<2x2xf32>, %dx: memref<4x4xf32>) {
  linalg.generic {indexing_maps = [#cell, #win, #cell], iterator_types = ["parallel", "parallel"]}
      ins(%x, %dy : memref<4x4xf32>, memref<2x2xf32>) outs(%dx : memref<4x4xf32>) {
  ^bb0(%a: f32, %g: f32, %o: f32):
    %j = linalg.index 1 : index
    %c2 = arith.constant 2 : index
    %r = arith.remui %j, %c2 : index
    %c0 = arith.constant 0 : index
    %even = arith.cmpi eq, %r, %c0 : index
    %zero = arith.constant 0.0 : f32
    %v = arith.select %even, %g, %zero : f32
    %y = arith.addf %v, %a : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Here the reduction also reads what the first op writes, and the third
// what the reduction writes: nothing can run earlier or later, a kernel
// each.
// CHECK-LABEL: func.func @no_sink
// CHECK-COUNT-3: gpu.launch
// CHECK-NOT: linalg.
// CHECK: return
#v = affine_map<(d0) -> (d0)>
#r = affine_map<(d0) -> ()>
#z = affine_map<() -> ()>
func.func @no_sink(%a: memref<4xf32>, %b: memref<4xf32>, %s: memref<f32>, %out: memref<f32>) {
  linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]}
      ins(%b : memref<4xf32>) outs(%a : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  linalg.generic {indexing_maps = [#v, #r], iterator_types = ["reduction"]}
      ins(%a : memref<4xf32>) outs(%s : memref<f32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %o, %x : f32
    linalg.yield %y : f32
  }
  linalg.generic {indexing_maps = [#z, #z], iterator_types = []}
      ins(%s : memref<f32>) outs(%out : memref<f32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  return
}

// -----

// The op in between (a reduction over its first loop: no candidate) writes
// what the third op reads, so the third cannot run first; but the first op
// can run after it (it neither reads what the first writes nor writes what
// the first touches, and the first reads only an argument): the batch sinks
// to the third, one kernel after the reduction.
// CHECK-LABEL: func.func @sink
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["reduction", "parallel"]
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %arg0[
// CHECK: memref.store %{{.*}}, %arg4[
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
// CHECK: return
#v = affine_map<(d0) -> (d0)>
#m = affine_map<(d0, d1) -> (d0, d1)>
#c = affine_map<(d0, d1) -> (d1)>
func.func @sink(%a: memref<4xf32>, %b: memref<4xf32>, %x: memref<4x4xf32>, %s: memref<4xf32>, %out: memref<4xf32>) {
  linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]}
      ins(%b : memref<4xf32>) outs(%a : memref<4xf32>) {
  ^bb0(%u: f32, %o: f32):
    %y = arith.negf %u : f32
    linalg.yield %y : f32
  }
  linalg.generic {indexing_maps = [#m, #c], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<4x4xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%u: f32, %o: f32):
    %y = arith.addf %o, %u : f32
    linalg.yield %y : f32
  }
  linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]}
      ins(%s : memref<4xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%u: f32, %o: f32):
    %y = arith.mulf %u, %u : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Two chains, each a gradient's rounding then its param's update (r1, u1,
// r2, u2): with one batch open at a time they alternate (r1 | u1 r2 | u2:
// three kernels); with several, each stage fills one: r1 and r2, then u1
// and u2 (u1's batch runs where u2 stands; the free of r1's small output
// waits until after it).
// CHECK-LABEL: func.func @chains
// CHECK: gpu.launch
// CHECK: arith.truncf
// CHECK: arith.truncf
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK: arith.extf
// CHECK-NOT: gpu.terminator
// CHECK: arith.extf
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
// CHECK: memref.dealloc
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: return
#i = affine_map<(d0) -> (d0)>
func.func @chains(%g1: memref<4xf32>, %g2: memref<8xf32>, %p1: memref<4xf32>, %p2: memref<8xf32>) {
  %t1 = memref.alloc() : memref<4xbf16>
  linalg.generic {indexing_maps = [#i, #i], iterator_types = ["parallel"]}
      ins(%g1 : memref<4xf32>) outs(%t1 : memref<4xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %y = arith.truncf %x : f32 to bf16
    linalg.yield %y : bf16
  }
  linalg.generic {indexing_maps = [#i, #i], iterator_types = ["parallel"]}
      ins(%t1 : memref<4xbf16>) outs(%p1 : memref<4xf32>) {
  ^bb0(%x: bf16, %o: f32):
    %w = arith.extf %x : bf16 to f32
    %y = arith.subf %o, %w : f32
    linalg.yield %y : f32
  }
  memref.dealloc %t1 : memref<4xbf16>
  %t2 = memref.alloc() : memref<8xbf16>
  linalg.generic {indexing_maps = [#i, #i], iterator_types = ["parallel"]}
      ins(%g2 : memref<8xf32>) outs(%t2 : memref<8xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %y = arith.truncf %x : f32 to bf16
    linalg.yield %y : bf16
  }
  linalg.generic {indexing_maps = [#i, #i], iterator_types = ["parallel"]}
      ins(%t2 : memref<8xbf16>) outs(%p2 : memref<8xf32>) {
  ^bb0(%x: bf16, %o: f32):
    %w = arith.extf %x : bf16 to f32
    %y = arith.subf %o, %w : f32
    linalg.yield %y : f32
  }
  memref.dealloc %t2 : memref<8xbf16>
  return
}
