// nnc-gpu-tile-contraction, prologues: an input of the contraction that an
// elementwise op computes for it alone (nothing else reads it but the side
// sum the same kernel computes) is never stored: the kernel computes each
// element where it would load it, from the producer's inputs; the producer
// and its buffer go. Its inputs, freed before the kernel, live until after
// it.
// RUN: nnc-opt %s --allow-unregistered-dialect --nnc-gpu-tile-contraction --canonicalize --cse | FileCheck %s

#a_t = affine_map<(d0, d1, d2) -> (d2, d0)>
#dz = affine_map<(d0, d1, d2) -> (d2, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#col_in = affine_map<(d0, d1) -> (d1, d0)>
#col_out = affine_map<(d0, d1) -> (d0)>

// dz = (h > 0 ? g : 0), the ReLU mask of a backward; dw = a^T dz; db =
// sum(dz, rows). The kernel loads h and g at dz's element and selects.
// CHECK-LABEL: func.func @masked_cotangent
// CHECK-SAME: (%[[A:[a-z0-9_]+]]: memref<8x4xf32>, %[[H:[a-z0-9_]+]]: memref<8x16xf32>, %[[DW:[a-z0-9_]+]]: memref<4x16xf32>, %[[DB:[a-z0-9_]+]]: memref<16xf32>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.
// CHECK: %[[G:[a-z0-9_]+]] = memref.alloc() : memref<8x16xf32>
// CHECK: "test.fill"(%[[G]])
// CHECK-NOT: linalg.
// CHECK: gpu.launch
// CHECK: scf.for %[[K:[a-z0-9_]+]] =
// CHECK-DAG: %[[HV:[a-z0-9_]+]] = memref.load %[[H]][%[[K]], %{{.*}}] : memref<8x16xf32>
// CHECK-DAG: %[[GV:[a-z0-9_]+]] = memref.load %[[G]][%[[K]], %{{.*}}] : memref<8x16xf32>
// CHECK: %[[POS:[a-z0-9_]+]] = arith.cmpf ogt, %[[HV]], %cst
// CHECK: arith.select %[[POS]], %[[GV]], %cst
// CHECK: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: memref.dealloc %[[G]]
// CHECK-NOT: linalg.
// CHECK: return
func.func @masked_cotangent(%a: memref<8x4xf32>, %h: memref<8x16xf32>, %dw: memref<4x16xf32>, %db: memref<16xf32>) {
  %zero = arith.constant 0.0 : f32
  %g = memref.alloc() : memref<8x16xf32>
  "test.fill"(%g) : (memref<8x16xf32>) -> ()
  %dz = memref.alloc() : memref<8x16xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h, %g : memref<8x16xf32>, memref<8x16xf32>) outs(%dz : memref<8x16xf32>) {
  ^bb0(%hv: f32, %gv: f32, %o: f32):
    %pos = arith.cmpf ogt, %hv, %zero : f32
    %m = arith.select %pos, %gv, %zero : f32
    linalg.yield %m : f32
  }
  memref.dealloc %g : memref<8x16xf32>
  linalg.fill ins(%zero : f32) outs(%db : memref<16xf32>)
  linalg.generic {indexing_maps = [#col_in, #col_out], iterator_types = ["parallel", "reduction"]}
      ins(%dz : memref<8x16xf32>) outs(%db : memref<16xf32>) {
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
  memref.dealloc %dz : memref<8x16xf32>
  return
}

// Left alone: dz is read by another op too (it must exist); a producer
// whose input is written between it and the kernel (the kernel would read
// the new values).
// CHECK-LABEL: func.func @refused
// CHECK: %[[DZ:[a-z0-9_]+]] = memref.alloc() : memref<8x16xf32>
// CHECK: linalg.generic {{.*}}outs(%[[DZ]]
// CHECK: %[[DZ2:[a-z0-9_]+]] = memref.alloc() : memref<8x16xf32>
// CHECK: linalg.generic {{.*}}outs(%[[DZ2]]
// CHECK: linalg.fill {{.*}}outs(%arg1
// CHECK: gpu.launch
// CHECK: memref.load %[[DZ]]
// CHECK: gpu.launch
// CHECK: memref.load %[[DZ2]]
// CHECK: "test.read"(%[[DZ]])
// CHECK: return
func.func @refused(%a: memref<8x4xf32>, %h: memref<8x16xf32>, %g: memref<8x16xf32>, %dw: memref<4x16xf32>, %dw2: memref<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %dz = memref.alloc() : memref<8x16xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h, %g : memref<8x16xf32>, memref<8x16xf32>) outs(%dz : memref<8x16xf32>) {
  ^bb0(%hv: f32, %gv: f32, %o: f32):
    %m = arith.mulf %hv, %gv : f32
    linalg.yield %m : f32
  }
  %dz2 = memref.alloc() : memref<8x16xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h, %g : memref<8x16xf32>, memref<8x16xf32>) outs(%dz2 : memref<8x16xf32>) {
  ^bb0(%hv: f32, %gv: f32, %o: f32):
    %m = arith.addf %hv, %gv : f32
    linalg.yield %m : f32
  }
  linalg.fill ins(%zero : f32) outs(%h : memref<8x16xf32>)
  linalg.fill ins(%zero : f32) outs(%dw : memref<4x16xf32>)
  linalg.generic {indexing_maps = [#a_t, #dz, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %dz : memref<8x4xf32>, memref<8x16xf32>) outs(%dw : memref<4x16xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %prod = arith.mulf %u, %v : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  linalg.fill ins(%zero : f32) outs(%dw2 : memref<4x16xf32>)
  linalg.generic {indexing_maps = [#a_t, #dz, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %dz2 : memref<8x4xf32>, memref<8x16xf32>) outs(%dw2 : memref<4x16xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %prod = arith.mulf %u, %v : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  "test.read"(%dz) : (memref<8x16xf32>) -> ()
  memref.dealloc %dz : memref<8x16xf32>
  memref.dealloc %dz2 : memref<8x16xf32>
  return
}
