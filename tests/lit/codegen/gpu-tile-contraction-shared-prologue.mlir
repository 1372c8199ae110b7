// nnc-gpu-tile-contraction, shared prologues (workgroup tiles only, CUDA's
// kernels): an input that an elementwise op writes and that other ops read
// too is computed in each contraction that reads it; the producer stays
// while any other op reads its output, and goes with the last. Shared only
// where it pays: R readers reading the producer's inputs (I bytes) must
// move less than storing its output (O) and reading it R times,
// R I < I + O + R O. (With register tiles every thread of a workgroup
// would compute a broadcast operand's element: no sharing there.)
// RUN: nnc-opt %s --nnc-gpu-tile-contraction=workgroup-tiles=true --canonicalize --cse | FileCheck %s
// RUN: nnc-opt %s --nnc-gpu-tile-contraction --canonicalize --cse | FileCheck %s --check-prefix=REGS

#id = affine_map<(d0, d1) -> (d0, d1)>
#a_t = affine_map<(d0, d1, d2) -> (d2, d0)>
#b_k = affine_map<(d0, d1, d2) -> (d2, d1)>
#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs_t = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>

// dz = (h > 0 ? g : 0) feeds dw = a^T dz and dx = dz w^T: I = 1024 bytes
// (h, g), O = 512, R = 2: 2048 < 2560, so both kernels compute dz from h
// and g, and dz is never stored.
// CHECK-LABEL: func.func @two_readers
// CHECK-SAME: (%[[A:[a-z0-9_]+]]: memref<8x4xf32>, %[[H:[a-z0-9_]+]]: memref<8x16xf32>, %[[G:[a-z0-9_]+]]: memref<8x16xf32>, %[[W:[a-z0-9_]+]]: memref<32x16xf32>,
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.
// CHECK: gpu.launch
// CHECK-DAG: memref.load %[[H]]
// CHECK-DAG: memref.load %[[G]]
// CHECK: arith.cmpf ogt
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK-DAG: memref.load %[[H]]
// CHECK-DAG: memref.load %[[G]]
// CHECK: arith.cmpf ogt
// CHECK: gpu.terminator
// CHECK-NOT: linalg.
// CHECK-NOT: memref.alloc
// CHECK: return
// REGS-LABEL: func.func @two_readers
// REGS: %[[DZ:[a-z0-9_]+]] = memref.alloc() : memref<8x16xf32>
// REGS: linalg.generic {{.*}}outs(%[[DZ]]
// REGS: gpu.launch
// REGS: memref.load %[[DZ]]
// REGS: gpu.launch
// REGS: memref.load %[[DZ]]
func.func @two_readers(%a: memref<8x4xf32>, %h: memref<8x16xf32>, %g: memref<8x16xf32>, %w: memref<32x16xf32>, %dw: memref<4x16xf32>, %dx: memref<8x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %dz = memref.alloc() : memref<8x16xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h, %g : memref<8x16xf32>, memref<8x16xf32>) outs(%dz : memref<8x16xf32>) {
  ^bb0(%hv: f32, %gv: f32, %o: f32):
    %pos = arith.cmpf ogt, %hv, %zero : f32
    %m = arith.select %pos, %gv, %zero : f32
    linalg.yield %m : f32
  }
  linalg.fill ins(%zero : f32) outs(%dw : memref<4x16xf32>)
  linalg.generic {indexing_maps = [#a_t, #b_k, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %dz : memref<8x4xf32>, memref<8x16xf32>) outs(%dw : memref<4x16xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %prod = arith.mulf %u, %v : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  linalg.fill ins(%zero : f32) outs(%dx : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs_t, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dz, %w : memref<8x16xf32>, memref<32x16xf32>) outs(%dx : memref<8x32xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %prod = arith.mulf %u, %v : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  memref.dealloc %dz : memref<8x16xf32>
  return
}

// Three inputs of dz's size: I = 1536, O = 512, R = 2: 3072 is not below
// 3072, so dz is stored once and read by both kernels.
// CHECK-LABEL: func.func @not_worth_it
// CHECK: %[[DZ:[a-z0-9_]+]] = memref.alloc() : memref<8x16xf32>
// CHECK: linalg.generic {{.*}}outs(%[[DZ]]
// CHECK: gpu.launch
// CHECK: memref.load %[[DZ]]
// CHECK: gpu.launch
// CHECK: memref.load %[[DZ]]
func.func @not_worth_it(%a: memref<8x4xf32>, %h: memref<8x16xf32>, %g: memref<8x16xf32>, %k: memref<8x16xf32>, %w: memref<32x16xf32>, %dw: memref<4x16xf32>, %dx: memref<8x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %dz = memref.alloc() : memref<8x16xf32>
  linalg.generic {indexing_maps = [#id, #id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h, %g, %k : memref<8x16xf32>, memref<8x16xf32>, memref<8x16xf32>) outs(%dz : memref<8x16xf32>) {
  ^bb0(%hv: f32, %gv: f32, %kv: f32, %o: f32):
    %pos = arith.cmpf ogt, %hv, %zero : f32
    %m = arith.select %pos, %gv, %kv : f32
    linalg.yield %m : f32
  }
  linalg.fill ins(%zero : f32) outs(%dw : memref<4x16xf32>)
  linalg.generic {indexing_maps = [#a_t, #b_k, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %dz : memref<8x4xf32>, memref<8x16xf32>) outs(%dw : memref<4x16xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %prod = arith.mulf %u, %v : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  linalg.fill ins(%zero : f32) outs(%dx : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs_t, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dz, %w : memref<8x16xf32>, memref<32x16xf32>) outs(%dx : memref<8x32xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %prod = arith.mulf %u, %v : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  memref.dealloc %dz : memref<8x16xf32>
  return
}
