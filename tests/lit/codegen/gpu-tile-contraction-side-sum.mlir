// nnc-gpu-tile-contraction, side sums: a reduction that adds up one input of
// a contraction over exactly the contraction's K loops (the bias gradient
// beside a weight gradient) is computed by the contraction's kernel as one
// more output row (summing B: A reads as 1 there) or column (summing A: B
// reads as 1 there); the input is read once and the reduction's own kernel
// and fill go.
// RUN: nnc-opt %s --nnc-gpu-tile-contraction --canonicalize --cse | FileCheck %s
// RUN: nnc-opt %s --nnc-gpu-tile-contraction=side-sums=false --canonicalize --cse | FileCheck %s --check-prefix=OFF

#a_t = affine_map<(d0, d1, d2) -> (d2, d0)>
#dz = affine_map<(d0, d1, d2) -> (d2, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
#col_in = affine_map<(d0, d1) -> (d1, d0)>
#col_out = affine_map<(d0, d1) -> (d0)>

// A dense layer's weight gradient dw = a^T dz (M = 40, N = 16, K = 8) and
// its bias gradient db = sum(dz, rows): row 40 (of two workgroups of 32
// rows) has A = 1 and its sums go to db; the other rows' to dw.
// CHECK-LABEL: func.func @dense_bias
// CHECK-SAME: (%[[A:[a-z0-9_]+]]: memref<8x40xf32>, %[[DZ:[a-z0-9_]+]]: memref<8x16xf32>, %[[DW:[a-z0-9_]+]]: memref<40x16xf32>, %[[DB:[a-z0-9_]+]]: memref<16xf32>)
// CHECK-NOT: linalg.
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1, {{.*}} = %c2, {{.*}} = %c1)
// CHECK: %[[SIDE:[a-z0-9_]+]] = arith.cmpi eq, %{{.*}}, %c40 : index
// CHECK: scf.for
// CHECK: %[[AV:[a-z0-9_]+]] = memref.load %[[A]]
// CHECK: arith.select %[[SIDE]], %cst{{.*}}, %[[AV]] : f32
// CHECK: scf.yield
// CHECK: scf.if %[[SIDE]] {
// CHECK-NEXT: memref.store %{{.*}}, %[[DB]][%{{.*}}] : memref<16xf32>
// CHECK-NEXT: } else {
// CHECK-NEXT: memref.store %{{.*}}, %[[DW]][%{{.*}}, %{{.*}}] : memref<40x16xf32>
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
// CHECK-NOT: linalg.
// CHECK: return
// OFF-LABEL: func.func @dense_bias
// OFF: linalg.generic
// OFF: gpu.launch
// OFF-NOT: memref.store %{{.*}}, %arg3
// OFF: return
func.func @dense_bias(%a: memref<8x40xf32>, %dz: memref<8x16xf32>, %dw: memref<40x16xf32>, %db: memref<16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%db : memref<16xf32>)
  linalg.generic {indexing_maps = [#col_in, #col_out], iterator_types = ["parallel", "reduction"]}
      ins(%dz : memref<8x16xf32>) outs(%db : memref<16xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%zero : f32) outs(%dw : memref<40x16xf32>)
  linalg.generic {indexing_maps = [#a_t, #dz, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %dz : memref<8x40xf32>, memref<8x16xf32>) outs(%dw : memref<40x16xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %prod = arith.mulf %u, %v : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  return
}

// Split-K (a long K): the sum of A (dy, the M operand) is column 4 of the
// partial sums, where B is 1 (one thread owns all 5 columns: the constant
// folds, column 4 adds dy itself); the second kernel adds its 32 slices to
// what db held (no fill) and stores them in db, the other columns in dw.
// CHECK-LABEL: func.func @split_k_sum_of_a
// CHECK-SAME: (%[[DY:[a-z0-9_]+]]: memref<?x3x64xf32>, %[[X:[a-z0-9_]+]]: memref<?x4x64xf32>, %[[DW:[a-z0-9_]+]]: memref<3x4xf32>, %[[DB:[a-z0-9_]+]]: memref<3xf32>)
// CHECK-NOT: linalg.
// CHECK: %[[P:.*]] = memref.alloc() : memref<32x3x5xf32>
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: %[[DYV:[a-z0-9_]+]] = memref.load %[[DY]]
// CHECK: arith.addf %{{.*}}, %[[DYV]] : f32
// CHECK: memref.store %{{.*}}, %[[P]][
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK: %[[COL:[a-z0-9_]+]] = arith.remui %{{.*}}, %c5 : index
// CHECK: %[[ISSIDE:[a-z0-9_]+]] = arith.cmpi eq, %[[COL]], %c4 : index
// CHECK: scf.if %[[ISSIDE]] {
// CHECK: memref.load %[[DB]][
// CHECK-COUNT-32: memref.load %[[P]]
// CHECK: memref.store %{{.*}}, %[[DB]][
// CHECK: } else {
// CHECK-COUNT-32: memref.load %[[P]]
// CHECK: memref.store %{{.*}}, %[[DW]][
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[P]]
// CHECK-NOT: linalg.
// CHECK: return
func.func @split_k_sum_of_a(%dy: memref<?x3x64xf32>, %x: memref<?x4x64xf32>, %dw: memref<3x4xf32>, %db: memref<3xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(o, n, p) -> (n, o, p)>, affine_map<(o, n, p) -> (o)>], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%dy : memref<?x3x64xf32>) outs(%db : memref<3xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%zero : f32) outs(%dw : memref<3x4xf32>)
  linalg.generic {indexing_maps = [affine_map<(o, c, n, p) -> (n, o, p)>, affine_map<(o, c, n, p) -> (n, c, p)>, affine_map<(o, c, n, p) -> (o, c)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%dy, %x : memref<?x3x64xf32>, memref<?x4x64xf32>) outs(%dw : memref<3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// Left alone: a sum of dz with a write of dz between it and the
// contraction (they would read different values); a sum over the N loop
// (its rows: not K).
// CHECK-LABEL: func.func @refused
// CHECK: linalg.generic {{.*}}ins(%arg1 : memref<8x16xf32>) outs(%arg3
// CHECK: linalg.generic {{.*}}outs(%arg1
// CHECK: linalg.generic {{.*}}ins(%arg1 : memref<8x16xf32>) outs(%arg4
// CHECK: gpu.launch
// CHECK-NOT: memref.store %{{.*}}, %arg3
// CHECK-NOT: memref.store %{{.*}}, %arg4
// CHECK: gpu.terminator
// CHECK: return
func.func @refused(%a: memref<8x4xf32>, %dz: memref<8x16xf32>, %dw: memref<4x16xf32>, %db: memref<16xf32>, %rows: memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#col_in, #col_out], iterator_types = ["parallel", "reduction"]}
      ins(%dz : memref<8x16xf32>) outs(%db : memref<16xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      outs(%dz : memref<8x16xf32>) {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, #col_out], iterator_types = ["parallel", "reduction"]}
      ins(%dz : memref<8x16xf32>) outs(%rows : memref<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%zero : f32) outs(%dw : memref<4x16xf32>)
  linalg.generic {indexing_maps = [#a_t, #dz, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %dz : memref<8x4xf32>, memref<8x16xf32>) outs(%dw : memref<4x16xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %prod = arith.mulf %u, %v : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  return
}

// bf16 elements, f32 sums: the contraction widens a and dz and the bias
// sum widens dz (acc + extf(dz) is exactly the kernel's acc + extf(dz) *
// extf(1)); the sum's rounding to bf16, which read its f32 output before
// the contraction, and the free of that output move after the kernel.
// CHECK-LABEL: func.func @dense_bias_bf16
// CHECK-SAME: (%[[A:[a-z0-9_]+]]: memref<8x40xbf16>, %[[DZ:[a-z0-9_]+]]: memref<8x16xbf16>, %[[DW:[a-z0-9_]+]]: memref<40x16xf32>, %[[DB16:[a-z0-9_]+]]: memref<16xbf16>)
// CHECK: %[[DB:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NOT: linalg.
// CHECK: gpu.launch
// CHECK: %[[AV:[a-z0-9_]+]] = memref.load %[[A]]
// CHECK: arith.select %{{.*}}, %cst{{.*}}, %[[AV]] : bf16
// CHECK: memref.store %{{.*}}, %[[DB]][%{{.*}}] : memref<16xf32>
// CHECK: gpu.terminator
// CHECK: linalg.generic {{.*}} ins(%[[DB]] : memref<16xf32>) outs(%[[DB16]] : memref<16xbf16>)
// CHECK: arith.truncf
// CHECK: memref.dealloc %[[DB]]
// CHECK: return
// OFF-LABEL: func.func @dense_bias_bf16
// OFF: linalg.generic
// OFF: linalg.generic
// OFF: memref.dealloc
// OFF: gpu.launch
// OFF: return
func.func @dense_bias_bf16(%a: memref<8x40xbf16>, %dz: memref<8x16xbf16>, %dw: memref<40x16xf32>, %db16: memref<16xbf16>) {
  %zero = arith.constant 0.0 : f32
  %db = memref.alloc() : memref<16xf32>
  linalg.fill ins(%zero : f32) outs(%db : memref<16xf32>)
  linalg.generic {indexing_maps = [#col_in, #col_out], iterator_types = ["parallel", "reduction"]}
      ins(%dz : memref<8x16xbf16>) outs(%db : memref<16xf32>) {
  ^bb0(%in: bf16, %acc: f32):
    %w = arith.extf %in : bf16 to f32
    %s = arith.addf %w, %acc : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%db : memref<16xf32>) outs(%db16 : memref<16xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %r = arith.truncf %in : f32 to bf16
    linalg.yield %r : bf16
  }
  memref.dealloc %db : memref<16xf32>
  linalg.fill ins(%zero : f32) outs(%dw : memref<40x16xf32>)
  linalg.generic {indexing_maps = [#a_t, #dz, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %dz : memref<8x40xbf16>, memref<8x16xbf16>) outs(%dw : memref<40x16xf32>) {
  ^bb0(%u: bf16, %v: bf16, %acc: f32):
    %uw = arith.extf %u : bf16 to f32
    %vw = arith.extf %v : bf16 to f32
    %prod = arith.mulf %uw, %vw : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  return
}
