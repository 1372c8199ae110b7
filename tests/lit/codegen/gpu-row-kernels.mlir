// nnc-gpu-row-kernels: the linalg ops of one row group (nnc.row_group, set by
// nnc-fuse-regions) become one gpu.launch with one workgroup per row. Here
// softmax: max and sum fold the row in strided loops and a workgroup tree;
// exp(x - m) is recomputed where it is read, so its buffer goes away; only
// y, used after the group, is stored. x is read from memory three times by
// the same workgroup, never written.
// RUN: nnc-opt %s --nnc-gpu-row-kernels --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @softmax
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// CHECK-SAME: workgroup(%[[P:.*]] : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for
// CHECK: memref.load %arg0
// CHECK: arith.maximumf
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: memref.load %arg0
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: memref.store %{{.*}}, %arg1
// CHECK: gpu.terminator
// CHECK-NOT: linalg.
// CHECK-NOT: memref.dealloc
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @softmax(%x: memref<?x1000xf32>, %y: memref<?x1000xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x1000xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %m = memref.alloc(%n) : memref<?xf32>
  "linalg.fill"(%ninf, %m) <{operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }) {nnc.row_group = 0 : i64} : (f32, memref<?xf32>) -> ()
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x1000xf32>) outs(%m : memref<?xf32>) attrs = {nnc.row_group = 0 : i64} {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  }
  %e = memref.alloc(%n) : memref<?x1000xf32>
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %m : memref<?x1000xf32>, memref<?xf32>) outs(%e : memref<?x1000xf32>) attrs = {nnc.row_group = 0 : i64} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %x2 = math.exp %d : f32
    linalg.yield %x2 : f32
  }
  memref.dealloc %m : memref<?xf32>
  %s = memref.alloc(%n) : memref<?xf32>
  "linalg.fill"(%zero, %s) <{operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }) {nnc.row_group = 0 : i64} : (f32, memref<?xf32>) -> ()
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%e : memref<?x1000xf32>) outs(%s : memref<?xf32>) attrs = {nnc.row_group = 0 : i64} {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%e, %s : memref<?x1000xf32>, memref<?xf32>) outs(%y : memref<?x1000xf32>) attrs = {nnc.row_group = 0 : i64} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %q = arith.divf %a, %b : f32
    linalg.yield %q : f32
  }
  memref.dealloc %e : memref<?x1000xf32>
  memref.dealloc %s : memref<?xf32>
  return
}

// -----

// A per-row value used after the group (the mean, kept for a backward pass)
// is stored by thread 0; rows of 10 take 16 threads.
// CHECK-LABEL: func.func @centre
// CHECK: gpu.launch
// CHECK-SAME: in ({{.*}} = %c16
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: scf.if
// CHECK-NEXT: memref.store %{{.*}}, %arg1
// CHECK: arith.subf
// CHECK: memref.store %{{.*}}, %arg2
// CHECK: gpu.terminator
// CHECK-NOT: linalg.
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @centre(%x: memref<?x10xf32>, %mean: memref<?xf32>, %c: memref<?x10xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x10xf32>
  %zero = arith.constant 0.0 : f32
  %ten = arith.constant 10.0 : f32
  %s = memref.alloc(%n) : memref<?xf32>
  "linalg.fill"(%zero, %s) <{operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }) {nnc.row_group = 3 : i64} : (f32, memref<?xf32>) -> ()
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x10xf32>) outs(%s : memref<?xf32>) attrs = {nnc.row_group = 3 : i64} {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%s : memref<?xf32>) outs(%mean : memref<?xf32>) attrs = {nnc.row_group = 3 : i64} {
  ^bb0(%a: f32, %o: f32):
    %q = arith.divf %a, %ten : f32
    linalg.yield %q : f32
  }
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mean : memref<?x10xf32>, memref<?xf32>) outs(%c : memref<?x10xf32>) attrs = {nnc.row_group = 3 : i64} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    linalg.yield %d : f32
  }
  memref.dealloc %s : memref<?xf32>
  return
}

// -----

// An op of the group that the kernel cannot take (here a transposed read of
// a row value) leaves every op of the group as it was, unmarked.
// CHECK-LABEL: func.func @not_a_row
// CHECK-NOT: gpu.launch
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: nnc.row_group
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @not_a_row(%x: memref<8x8xf32>, %s: memref<8xf32>, %y: memref<8x8xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x8xf32>) outs(%s : memref<8xf32>) attrs = {nnc.row_group = 7 : i64} {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id, affine_map<(d0, d1) -> (d1)>, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<8x8xf32>, memref<8xf32>) outs(%y : memref<8x8xf32>) attrs = {nnc.row_group = 7 : i64} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    linalg.yield %d : f32
  }
  return
}
