// nnc-gpu-tile-reduction, column split: a per-point reduction whose inputs
// read a parallel loop innermost (column sums: layer_norm's dgamma and
// dbeta) with few outputs would be one thread per output on a GPU; its
// outermost reduced loop (static) is cut into S slices (a power of two,
// at least 64 rows each, about 2^17 threads in all, at least 4), each
// input that reads it is viewed through an expand_shape [S, R0 / S, ...],
// partial[s, out] folds slice s from the combiner's identity, and a second
// per-point reduction folds the S partials in order into the outputs.
// RUN: nnc-opt %s --nnc-gpu-tile-reduction | FileCheck %s

#cr = affine_map<(d0, d1) -> (d1, d0)>
#c = affine_map<(d0, d1) -> (d0)>
// 4096 rows, 24 columns: 64 slices of 64 rows.
// CHECK-LABEL: func.func @column_sum
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg1 : memref<24xf32>)
// CHECK: %[[X:.*]] = memref.expand_shape %arg0 {{\[}}[0, 1], [2]] output_shape [64, 64, 24] : memref<4096x24xf32> into memref<64x64x24xf32>
// CHECK: %[[P:.*]] = memref.alloc() : memref<64x24xf32>
// CHECK: linalg.fill ins(%[[ZERO]] : f32) outs(%[[P]] : memref<64x24xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[IN:map[0-9]*]], #[[PART:map[0-9]*]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : memref<64x64x24xf32>) outs(%[[P]] : memref<64x24xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {indexing_maps = [#[[T:map[0-9]*]], #[[O:map[0-9]*]]], iterator_types = ["parallel", "reduction"]} ins(%[[P]] : memref<64x24xf32>) outs(%arg1 : memref<24xf32>)
// CHECK: arith.addf
// CHECK: memref.dealloc %[[P]] : memref<64x24xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @column_sum(%x: memref<4096x24xf32>, %out: memref<24xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<24xf32>)
  linalg.generic {indexing_maps = [#cr, #c], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4096x24xf32>) outs(%out : memref<24xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// Two outputs (an f32 sum of f16 products, an f16 max): a partial buffer
// each, from its combiner's identity (0, -inf), folded alike.
// CHECK-LABEL: func.func @siblings_max
// CHECK-DAG: %[[NINF:.*]] = arith.constant 0xFC00 : f16
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[X:.*]] = memref.expand_shape %arg0 {{\[}}[0, 1], [2]] output_shape [32, 64, 32]
// CHECK: %[[S:.*]] = memref.alloc() : memref<32x32xf32>
// CHECK: linalg.fill ins(%[[ZERO]] : f32) outs(%[[S]] : memref<32x32xf32>)
// CHECK: %[[M:.*]] = memref.alloc() : memref<32x32xf16>
// CHECK: linalg.fill ins(%[[NINF]] : f16) outs(%[[M]] : memref<32x32xf16>)
// CHECK: linalg.generic {{.*}} ins(%[[X]], %arg1 : memref<32x64x32xf16>, memref<32xf16>) outs(%[[S]], %[[M]] : memref<32x32xf32>, memref<32x32xf16>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[S]], %[[M]] : memref<32x32xf32>, memref<32x32xf16>) outs(%arg2, %arg3 : memref<32xf32>, memref<32xf16>)
// CHECK-NEXT: ^bb0(%[[IS:.*]]: f32, %[[IM:.*]]: f16, %[[OS:.*]]: f32, %[[OM:.*]]: f16):
// CHECK-NEXT: %[[A:.*]] = arith.addf %[[OS]], %[[IS]] : f32
// CHECK-NEXT: %[[B:.*]] = arith.maximumf %[[OM]], %[[IM]] : f16
// CHECK-NEXT: linalg.yield %[[A]], %[[B]] : f32, f16
func.func @siblings_max(%x: memref<2048x32xf16>, %g: memref<32xf16>, %s: memref<32xf32>, %m: memref<32xf16>) {
  linalg.generic {indexing_maps = [#cr, #c, #c, #c], iterator_types = ["parallel", "reduction"]}
      ins(%x, %g : memref<2048x32xf16>, memref<32xf16>) outs(%s, %m : memref<32xf32>, memref<32xf16>) {
  ^bb0(%a: f16, %b: f16, %acc: f32, %mx: f16):
    %p = arith.mulf %a, %b : f16
    %w = arith.extf %p : f16 to f32
    %t = arith.addf %acc, %w : f32
    %u = arith.maximumf %mx, %a : f16
    linalg.yield %t, %u : f32, f16
  }
  return
}

// The body's index of the split loop is slice * 64 + the index within it.
// CHECK-LABEL: func.func @index
// CHECK: memref.expand_shape %arg0 {{\[}}[0, 1], [2]] output_shape [16, 64, 8]
// CHECK: linalg.generic
// CHECK: %[[IN:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[SL:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[C:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[OFF:.*]] = arith.muli %[[SL]], %[[C]] : index
// CHECK-NEXT: arith.addi %[[OFF]], %[[IN]] : index
func.func @index(%x: memref<1024x8xf32>, %out: memref<8xf32>) {
  linalg.generic {indexing_maps = [#cr, #c], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<1024x8xf32>) outs(%out : memref<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = linalg.index 1 : index
    %ri = arith.index_cast %r : index to i32
    %rf = arith.sitofp %ri : i32 to f32
    %p = arith.mulf %a, %rf : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// Left alone: a dynamic row count (the workgroup-per-output kernel takes it),
// too few rows for 4 slices of 64, enough columns for 2^17 threads.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-NOT: memref.expand_shape
// CHECK: gpu.launch
func.func @dynamic_rows(%x: memref<?x24xf32>, %out: memref<24xf32>) {
  linalg.generic {indexing_maps = [#cr, #c], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x24xf32>) outs(%out : memref<24xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// CHECK-LABEL: func.func @few_rows
// CHECK-NOT: memref.expand_shape
// CHECK: linalg.generic {{.*}} ins(%arg0 : memref<128x24xf32>) outs(%arg1 : memref<24xf32>)
func.func @few_rows(%x: memref<128x24xf32>, %out: memref<24xf32>) {
  linalg.generic {indexing_maps = [#cr, #c], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<128x24xf32>) outs(%out : memref<24xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// CHECK-LABEL: func.func @many_columns
// CHECK-NOT: memref.expand_shape
// CHECK: linalg.generic {{.*}} ins(%arg0 : memref<4096x65536xf32>) outs(%arg1 : memref<65536xf32>)
func.func @many_columns(%x: memref<4096x65536xf32>, %out: memref<65536xf32>) {
  linalg.generic {indexing_maps = [#cr, #c], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4096x65536xf32>) outs(%out : memref<65536xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// A per-row value (the same element for every thread of a row) does not
// stop the split; it is read through the view too.
// CHECK-LABEL: func.func @per_row_input
// CHECK-DAG: memref.expand_shape %arg0 {{\[}}[0, 1], [2]] output_shape [64, 64, 24]
// CHECK-DAG: memref.expand_shape %arg1 {{\[}}[0, 1]] output_shape [64, 64]
// CHECK: memref.alloc() : memref<64x24xf32>
func.func @per_row_input(%x: memref<4096x24xf32>, %r: memref<4096xf32>, %out: memref<24xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x, %r : memref<4096x24xf32>, memref<4096xf32>) outs(%out : memref<24xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// Left alone: a per-channel sum over N, H, W (W innermost: neighbouring
// channels lie H * W apart; a workgroup per channel reads it in order),
// and a full sum (a row: one workgroup).
// CHECK-LABEL: func.func @channel_sum
// CHECK-NOT: memref.expand_shape
// CHECK: gpu.launch
func.func @channel_sum(%x: memref<64x16x32x32xf32>, %out: memref<16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1, d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0)>], iterator_types = ["parallel", "reduction", "reduction", "reduction"]}
      ins(%x : memref<64x16x32x32xf32>) outs(%out : memref<16xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// CHECK-LABEL: func.func @full_sum
// CHECK-NOT: memref.expand_shape
// CHECK: gpu.launch
func.func @full_sum(%x: memref<8192xf32>, %out: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%x : memref<8192xf32>) outs(%out : memref<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}
