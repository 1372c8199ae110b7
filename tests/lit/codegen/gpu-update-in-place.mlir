// nnc-gpu-update-in-place: a result marked nn.update whose one writer is
// elementwise (reading the param, if at all, at the element it writes) and
// after which nothing reads the param is written into the param's own
// buffer: the runtime then has no copy to make.
// RUN: nnc-opt %s --nnc-gpu-update-in-place --split-input-file | FileCheck %s

// The SGD step p - lr * g: written into %arg0, the alloc is gone, and the
// return hands back the param itself.
// CHECK-LABEL: func.func @sgd
// CHECK-NOT: memref.alloc
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0, %arg1 : memref<4x8xf32>, memref<4x8xf32>) outs(%arg0 : memref<4x8xf32>)
// CHECK: return %arg0
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @sgd(%p: memref<4x8xf32> {nn.name = "w", nn.role = "param"},
               %g: memref<4x8xf32> {nn.name = "g", nn.role = "input"})
    -> (memref<4x8xf32> {nn.name = "w", nn.update = "w"}) {
  %lr = arith.constant 0.1 : f32
  %new = memref.alloc() : memref<4x8xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p, %g : memref<4x8xf32>, memref<4x8xf32>) outs(%new : memref<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.mulf %b, %lr : f32
    %d = arith.subf %a, %s : f32
    linalg.yield %d : f32
  }
  return %new : memref<4x8xf32>
}

// -----

// The param is read after the writer (here: as a second result, its old
// value): the update keeps its own buffer and the runtime's copy.
// CHECK-LABEL: func.func @read_after
// CHECK: %[[NEW:.*]] = memref.alloc
// CHECK: outs(%[[NEW]] : memref<8xf32>)
// CHECK: return %[[NEW]], %arg0
#id1 = affine_map<(d0) -> (d0)>
func.func @read_after(%p: memref<8xf32> {nn.name = "w", nn.role = "param"})
    -> (memref<8xf32> {nn.name = "w", nn.update = "w"}, memref<8xf32> {nn.name = "old"}) {
  %new = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%p : memref<8xf32>) outs(%new : memref<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.addf %a, %a : f32
    linalg.yield %d : f32
  }
  return %new, %p : memref<8xf32>, memref<8xf32>
}

// -----

// A writer that reads the param at another element (a reversal) could read
// a value it already overwrote: left alone.
// CHECK-LABEL: func.func @shifted
// CHECK: memref.alloc
// CHECK: return %alloc
#id1 = affine_map<(d0) -> (d0)>
#rev = affine_map<(d0) -> (7 - d0)>
func.func @shifted(%p: memref<8xf32> {nn.name = "w", nn.role = "param"})
    -> (memref<8xf32> {nn.name = "w", nn.update = "w"}) {
  %new = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#rev, #id1], iterator_types = ["parallel"]}
      ins(%p : memref<8xf32>) outs(%new : memref<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  return %new : memref<8xf32>
}
