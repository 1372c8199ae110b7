// nnc-gpu-tile-contraction: a two-input linalg op with reduction loops (a
// convolution, its gradients, a matmul) is an implicit GEMM: M = the
// parallel loops only A reads (output channels), N = those only B reads
// (batch, rows, columns, flattened), K = the reduction loops (channels,
// kernel rows and columns, flattened); the loops both read are grid z.
// Each thread owns up to 32 rows x 8 columns of the output: the rows are
// the workgroup's, so A is read at the same address by every thread; rows
// and columns past the edge compute on the last one and are not stored.
// Sizes (the dynamic batch included) are read on the host.
// RUN: nnc-opt %s --nnc-gpu-tile-contraction --canonicalize --cse | FileCheck %s

// M = 3 output channels (3 rows per thread), N = batch * 4 * 4 (8 columns
// per thread, 32 threads: 256 columns per workgroup), K = 2 * 3 * 3.
// CHECK-LABEL: func.func @conv_dynamic_batch
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: memref<?x2x6x6xf32>, %[[W:[a-z0-9_]+]]: memref<3x2x3x3xf32>, %[[Y:[a-z0-9_]+]]: memref<?x3x4x4xf32>)
// CHECK: %[[NB:[a-z0-9_]+]] = memref.dim %[[X]], %c0 : memref<?x2x6x6xf32>
// CHECK: %[[N:[a-z0-9_]+]] = arith.muli %[[NB]], %c16 : index
// CHECK: %[[GX:[a-z0-9_]+]] = arith.ceildivui %[[N]], %c256 : index
// CHECK: gpu.launch blocks(%[[BX:[a-z0-9_]+]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %[[GX]], %{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %c1)
// CHECK-SAME: threads(%[[TX:[a-z0-9_]+]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %c32, %{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %c1)
// CHECK-NOT: memref.dim
// The first column: n0 + tx, clamped to the last one, split into (n, ho, wo).
// CHECK: %[[N0:[a-z0-9_]+]] = arith.muli %[[BX]], %c256 : index
// CHECK: %[[LAST:[a-z0-9_]+]] = arith.subi %[[N]], %c1 : index
// CHECK: %[[COL:[a-z0-9_]+]] = arith.addi %[[N0]], %[[TX]] : index
// CHECK: %[[OK:[a-z0-9_]+]] = arith.cmpi ult, %[[COL]], %[[N]] : index
// CHECK: %[[SAFE:[a-z0-9_]+]] = arith.minui %[[COL]], %[[LAST]] : index
// CHECK: %[[WO:[a-z0-9_]+]] = arith.remui %[[SAFE]], %c4 : index
// CHECK: %[[T:[a-z0-9_]+]] = arith.divui %[[SAFE]], %c4 : index
// CHECK: %[[HO:[a-z0-9_]+]] = arith.remui %[[T]], %c4 : index
// CHECK: %[[NS:[a-z0-9_]+]] = arith.divui %[[T]], %c4 : index
// 24 accumulators start from the output.
// CHECK: %[[INIT:[a-z0-9_]+]] = memref.load %[[Y]][%[[NS]], %c0, %[[HO]], %[[WO]]]
// CHECK-COUNT-23: memref.load %[[Y]]
// CHECK: %[[R:[a-z0-9_]+]]:24 = scf.for %[[K:[a-z0-9_]+]] = %c0 to %c18 step %c1 iter_args(%[[ACC:[a-z0-9_]+]] = %[[INIT]],
// K splits into (c, kh, kw); w is read at the workgroup's rows, x at the
// thread's columns shifted by the window.
// CHECK: %[[KW:[a-z0-9_]+]] = arith.remui %[[K]], %c3 : index
// CHECK: %[[T2:[a-z0-9_]+]] = arith.divui %[[K]], %c3 : index
// CHECK: %[[KH:[a-z0-9_]+]] = arith.remui %[[T2]], %c3 : index
// CHECK: %[[C:[a-z0-9_]+]] = arith.divui %[[T2]], %c3 : index
// CHECK: %[[A0:[a-z0-9_]+]] = memref.load %[[W]][%c0, %[[C]], %[[KH]], %[[KW]]]
// CHECK: memref.load %[[W]][%c1, %[[C]], %[[KH]], %[[KW]]]
// CHECK: memref.load %[[W]][%c2, %[[C]], %[[KH]], %[[KW]]]
// CHECK: %[[H:[a-z0-9_]+]] = arith.addi %[[HO]], %[[KH]] : index
// CHECK: %[[WW:[a-z0-9_]+]] = arith.addi %[[WO]], %[[KW]] : index
// CHECK: %[[B0:[a-z0-9_]+]] = memref.load %[[X]][%[[NS]], %[[C]], %[[H]], %[[WW]]]
// CHECK-COUNT-7: memref.load %[[X]]
// CHECK: %[[P:[a-z0-9_]+]] = arith.mulf %[[B0]], %[[A0]] : f32
// CHECK: arith.addf %[[ACC]], %[[P]] : f32
// CHECK-COUNT-23: arith.mulf
// CHECK: scf.yield
// Stores only where the row and the column exist.
// CHECK: scf.if %[[OK]] {
// CHECK: memref.store %[[R]]#0, %[[Y]][%[[NS]], %c0, %[[HO]], %[[WO]]]
// CHECK-COUNT-23: memref.store %{{[a-z0-9_#]+}}, %[[Y]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv_dynamic_batch(%x: memref<?x2x6x6xf32>, %w: memref<3x2x3x3xf32>, %y: memref<?x3x4x4xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
    ins(%x, %w : memref<?x2x6x6xf32>, memref<3x2x3x3xf32>) outs(%y : memref<?x3x4x4xf32>)
  return
}

// A per-sample weight gradient with groups: loops [n, g, o, c, i, j, ho,
// wo]; n and g are read by both operands, so they index grid z; M = o (3),
// N = (c, i, j) = 18 (8 columns per thread, 4 threads), K = (ho, wo).
// CHECK-LABEL: func.func @grouped_weight_grad
// CHECK: %[[NB2:[a-z0-9_]+]] = memref.dim %arg0, %c0 : memref<?x6x12x12xf32>
// CHECK: %[[GZ:[a-z0-9_]+]] = arith.muli %[[NB2]], %c3 : index
// CHECK: gpu.launch blocks(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %[[BZ:[a-z0-9_]+]]) in (%{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %[[GZ]])
// CHECK-SAME: threads({{.*}}) in (%{{[a-z0-9_]+}} = %c4, %{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %c1)
// CHECK: %[[G:[a-z0-9_]+]] = arith.remui %[[BZ]], %c3 : index
// CHECK: %[[S:[a-z0-9_]+]] = arith.divui %[[BZ]], %c3 : index
// CHECK: scf.for %{{[a-z0-9_]+}} = %c0 to %c25 step %c1
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic
#xg = affine_map<(n, g, o, c, i, j, ho, wo) -> (n, g * 2 + c, ho * 2 + i, wo * 2 + j)>
#dyg = affine_map<(n, g, o, c, i, j, ho, wo) -> (n, g * 3 + o, ho, wo)>
#dwg = affine_map<(n, g, o, c, i, j, ho, wo) -> (n, g, o, c, i, j)>
func.func @grouped_weight_grad(%x: memref<?x6x12x12xf32>, %dy: memref<?x9x5x5xf32>, %dw: memref<?x3x3x2x3x3xf32>) {
  linalg.generic {indexing_maps = [#xg, #dyg, #dwg],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
    ins(%x, %dy : memref<?x6x12x12xf32>, memref<?x9x5x5xf32>) outs(%dw : memref<?x3x3x2x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// Left alone: a reduction that reads one input (no B), and a product whose
// two inputs both read every output dim (no M or N).
// CHECK-LABEL: func.func @not_contractions
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK: linalg.generic
#row = affine_map<(i, k) -> (i, k)>
#out = affine_map<(i, k) -> (i)>
func.func @not_contractions(%a: memref<8x16xf32>, %b: memref<8x16xf32>, %s: memref<8xf32>) {
  linalg.generic {indexing_maps = [#row, #out], iterator_types = ["parallel", "reduction"]}
    ins(%a : memref<8x16xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#row, #row, #out], iterator_types = ["parallel", "reduction"]}
    ins(%a, %b : memref<8x16xf32>, memref<8x16xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}



// Epilogue: the generics after the contraction in its nnc.epilogue_group run
// on each output in the kernel. Here the bias + ReLU of a linear layer: the
// matmul's own output, used by nothing after the group, is never stored and
// its buffer goes; the bias is read through its broadcast map.
// CHECK-LABEL: func.func @linear_relu_epilogue
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: memref<64x32xf32>, %[[W:[a-z0-9_]+]]: memref<32x16xf32>, %[[B:[a-z0-9_]+]]: memref<16xf32>, %[[H:[a-z0-9_]+]]: memref<64x16xf32>)
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: scf.if
// CHECK-NOT: memref.store
// CHECK: %[[BIAS:[a-z0-9_]+]] = memref.load %[[B]][%{{[a-z0-9_]+}}]
// CHECK: %[[S:[a-z0-9_]+]] = arith.addf %{{[a-z0-9_#]+}}, %[[BIAS]] : f32
// CHECK: %[[R:[a-z0-9_]+]] = arith.maximumf %[[S]], %{{[a-z0-9_]+}} : f32
// CHECK: memref.store %[[R]], %[[H]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.
// CHECK-NOT: memref.dealloc
// CHECK: return
#gid2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @linear_relu_epilogue(%x: memref<64x32xf32>, %w: memref<32x16xf32>, %b: memref<16xf32>, %h: memref<64x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %t = memref.alloc() : memref<64x16xf32>
  linalg.fill {nnc.epilogue_group = 0 : i64} ins(%zero : f32) outs(%t : memref<64x16xf32>)
  linalg.matmul {nnc.epilogue_group = 0 : i64} ins(%x, %w : memref<64x32xf32>, memref<32x16xf32>) outs(%t : memref<64x16xf32>)
  linalg.generic {indexing_maps = [#gid2, #col, #gid2], iterator_types = ["parallel", "parallel"], nnc.epilogue_group = 0 : i64}
      ins(%t, %b : memref<64x16xf32>, memref<16xf32>) outs(%h : memref<64x16xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %t : memref<64x16xf32>
  return
}



// Adam's update of a weight from its gradient, in place: the gradient is
// stored too (it is read after the group), m and p are read and written at
// the thread's own element, the step size is a 0-d value.
// CHECK-LABEL: func.func @gradient_update_epilogue
// CHECK-SAME: (%[[A:[a-z0-9_]+]]: memref<8x4xf32>, %[[D:[a-z0-9_]+]]: memref<8x16xf32>, %[[M:[a-z0-9_]+]]: memref<4x16xf32>, %[[P:[a-z0-9_]+]]: memref<4x16xf32>, %[[LR:[a-z0-9_]+]]: memref<f32>, %[[G:[a-z0-9_]+]]: memref<4x16xf32>)
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: scf.if
// CHECK: memref.store %[[SUM:[a-z0-9_#]+]], %[[G]][%[[I:[a-z0-9_]+]], %[[J:[a-z0-9_]+]]]
// CHECK-DAG: %[[MOLD:[a-z0-9_]+]] = memref.load %[[M]][%[[I]], %[[J]]]
// CHECK-DAG: %[[STEP:[a-z0-9_]+]] = memref.load %[[LR]][]
// CHECK-DAG: %[[POLD:[a-z0-9_]+]] = memref.load %[[P]][%[[I]], %[[J]]]
// CHECK: %[[MNEW:[a-z0-9_]+]] = arith.addf %[[MOLD]], %[[SUM]] : f32
// CHECK: %[[UPD:[a-z0-9_]+]] = arith.mulf %[[STEP]], %[[MNEW]] : f32
// CHECK: %[[PNEW:[a-z0-9_]+]] = arith.subf %[[POLD]], %[[UPD]] : f32
// CHECK-DAG: memref.store %[[MNEW]], %[[M]][%[[I]], %[[J]]]
// CHECK-DAG: memref.store %[[PNEW]], %[[P]][%[[I]], %[[J]]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic
#ga_t = affine_map<(d0, d1, d2) -> (d2, d0)>
#gd = affine_map<(d0, d1, d2) -> (d2, d1)>
#gout = affine_map<(d0, d1, d2) -> (d0, d1)>
#gscalar = affine_map<(d0, d1) -> ()>
func.func @gradient_update_epilogue(%a: memref<8x4xf32>, %dy: memref<8x16xf32>, %m: memref<4x16xf32>, %p: memref<4x16xf32>, %lr: memref<f32>, %g: memref<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill {nnc.epilogue_group = 3 : i64} ins(%zero : f32) outs(%g : memref<4x16xf32>)
  linalg.generic {indexing_maps = [#ga_t, #gd, #gout], iterator_types = ["parallel", "parallel", "reduction"], nnc.epilogue_group = 3 : i64}
      ins(%a, %dy : memref<8x4xf32>, memref<8x16xf32>) outs(%g : memref<4x16xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %prod = arith.mulf %u, %v : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  linalg.generic {indexing_maps = [#gid2, #gscalar, #gid2, #gid2], iterator_types = ["parallel", "parallel"], nnc.epilogue_group = 3 : i64}
      ins(%g, %lr : memref<4x16xf32>, memref<f32>) outs(%m, %p : memref<4x16xf32>, memref<4x16xf32>) {
  ^bb0(%grad: f32, %step: f32, %mold: f32, %pold: f32):
    %mnew = arith.addf %mold, %grad : f32
    %upd = arith.mulf %step, %mnew : f32
    %pnew = arith.subf %pold, %upd : f32
    linalg.yield %mnew, %pnew : f32, f32
  }
  return
}



// An epilogue that reads the output at another thread's element (here
// transposed) is refused: the contraction's kernel stores its output and
// the generic stays for a kernel of its own.
// CHECK-LABEL: func.func @transposed_read_refused
// CHECK: gpu.launch
// CHECK: memref.store
// CHECK: gpu.terminator
// CHECK: linalg.generic
// CHECK-NOT: nnc.epilogue_group
#gtr = affine_map<(d0, d1) -> (d1, d0)>
func.func @transposed_read_refused(%x: memref<16x8xf32>, %w: memref<8x16xf32>, %y: memref<16x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %t = memref.alloc() : memref<16x16xf32>
  linalg.fill {nnc.epilogue_group = 1 : i64} ins(%zero : f32) outs(%t : memref<16x16xf32>)
  linalg.matmul {nnc.epilogue_group = 1 : i64} ins(%x, %w : memref<16x8xf32>, memref<8x16xf32>) outs(%t : memref<16x16xf32>)
  linalg.generic {indexing_maps = [#gtr, #gid2], iterator_types = ["parallel", "parallel"], nnc.epilogue_group = 1 : i64}
      ins(%t : memref<16x16xf32>) outs(%y : memref<16x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }
  memref.dealloc %t : memref<16x16xf32>
  return
}


// A zero-padded input (what tensor.pad bufferizes to: alloc, fill, copy
// into a subview) is read from what was copied: the kernel loads x where the
// window holds it and 0 elsewhere; the padded buffer, its fill and its copy
// go. Only H and W are checked: the batch and channel dims are the window's
// whole dims. x's dealloc, before the conv, moves after the kernel.
// CHECK-LABEL: func.func @padded_input
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: memref<?x2x4x4xf32>, %[[W:[a-z0-9_]+]]: memref<3x2x3x3xf32>, %[[Y:[a-z0-9_]+]]: memref<?x3x4x4xf32>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.copy
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: %[[H:[a-z0-9_]+]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[WI:[a-z0-9_]+]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[HR:[a-z0-9_]+]] = arith.subi %[[H]], %c1 : index
// CHECK: %[[HOK:[a-z0-9_]+]] = arith.cmpi ult, %[[HR]], %c4 : index
// CHECK: %[[HS:[a-z0-9_]+]] = arith.select %[[HOK]], %[[HR]], %c0 : index
// CHECK: %[[WR:[a-z0-9_]+]] = arith.subi %[[WI]], %c1 : index
// CHECK: %[[WOK:[a-z0-9_]+]] = arith.cmpi ult, %[[WR]], %c4 : index
// CHECK: %[[WS:[a-z0-9_]+]] = arith.select %[[WOK]], %[[WR]], %c0 : index
// CHECK: %[[IN:[a-z0-9_]+]] = arith.andi %[[HOK]], %[[WOK]] : i1
// CHECK: %[[V:[a-z0-9_]+]] = memref.load %[[X]][%{{.*}}, %{{.*}}, %[[HS]], %[[WS]]] : memref<?x2x4x4xf32>
// CHECK: arith.select %[[IN]], %[[V]], %cst{{.*}} : f32
// CHECK: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: memref.dealloc %[[X]]
// CHECK-NOT: linalg.
// CHECK: return
func.func @padded_input(%x: memref<?x2x4x4xf32>, %w: memref<3x2x3x3xf32>, %y: memref<?x3x4x4xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?x2x4x4xf32>
  %p = memref.alloc(%n) : memref<?x2x6x6xf32>
  linalg.map outs(%p : memref<?x2x6x6xf32>)
    (%init: f32) {
      linalg.yield %zero : f32
    }
  %sv = memref.subview %p[0, 0, 1, 1] [%n, 2, 4, 4] [1, 1, 1, 1] : memref<?x2x6x6xf32> to memref<?x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  linalg.copy ins(%x : memref<?x2x4x4xf32>) outs(%sv : memref<?x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>)
  memref.dealloc %x : memref<?x2x4x4xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
    ins(%p, %w : memref<?x2x6x6xf32>, memref<3x2x3x3xf32>) outs(%y : memref<?x3x4x4xf32>)
  memref.dealloc %p : memref<?x2x6x6xf32>
  return
}


// A cotangent stuffed into a zero buffer with stride 2 (the input gradient
// of a strided conv): a cell holds dy where it is on the stride, so the
// check is also rel % 2 == 0, and the address rel / 2.
// CHECK-LABEL: func.func @stuffed_input
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch
// CHECK: arith.remui %{{.*}}, %c2 : index
// CHECK: arith.cmpi eq, %{{.*}}, %c0 : index
// CHECK: arith.divui %{{.*}}, %c2 : index
// CHECK: memref.load %arg0[
// CHECK-SAME: memref<1x1x3x3xf32>
// CHECK: gpu.terminator
// CHECK-NOT: linalg.
// CHECK: return
func.func @stuffed_input(%dy: memref<1x1x3x3xf32>, %w: memref<1x1x2x2xf32>, %dx: memref<1x1x6x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x1x7x7xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<1x1x7x7xf32>)
  %sv = memref.subview %p[0, 0, 1, 1] [1, 1, 3, 3] [1, 1, 2, 2] : memref<1x1x7x7xf32> to memref<1x1x3x3xf32, strided<[49, 49, 14, 2], offset: 8>>
  linalg.copy ins(%dy : memref<1x1x3x3xf32>) outs(%sv : memref<1x1x3x3xf32, strided<[49, 49, 14, 2], offset: 8>>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
    ins(%p, %w : memref<1x1x7x7xf32>, memref<1x1x2x2xf32>) outs(%dx : memref<1x1x6x6xf32>)
  memref.dealloc %p : memref<1x1x7x7xf32>
  return
}


// x is written between the copy and the conv: the padded copy keeps its
// value, so it stays and the kernel reads it.
// CHECK-LABEL: func.func @src_written_after_copy
// CHECK: %[[P:.*]] = memref.alloc(
// CHECK: linalg.map
// CHECK: linalg.copy
// CHECK: linalg.fill
// CHECK: gpu.launch
// CHECK: memref.load %[[P]][
func.func @src_written_after_copy(%x: memref<?x2x4x4xf32>, %w: memref<3x2x3x3xf32>, %y: memref<?x3x4x4xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?x2x4x4xf32>
  %p = memref.alloc(%n) : memref<?x2x6x6xf32>
  linalg.map outs(%p : memref<?x2x6x6xf32>)
    (%init: f32) {
      linalg.yield %zero : f32
    }
  %sv = memref.subview %p[0, 0, 1, 1] [%n, 2, 4, 4] [1, 1, 1, 1] : memref<?x2x6x6xf32> to memref<?x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  linalg.copy ins(%x : memref<?x2x4x4xf32>) outs(%sv : memref<?x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>)
  linalg.fill ins(%zero : f32) outs(%x : memref<?x2x4x4xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
    ins(%p, %w : memref<?x2x6x6xf32>, memref<3x2x3x3xf32>) outs(%y : memref<?x3x4x4xf32>)
  memref.dealloc %p : memref<?x2x6x6xf32>
  return
}

// Few outputs (3 x 4), a long K (the batch times 64): split-K. The first
// kernel's grid z is 32 slices of K (ceil(K / 32) each, the last one
// shorter), each thread's sums go to partials[z, row, col]; the second
// kernel, a thread per output, adds the 32 slices in order to the fill's 0
// and stores (and would run the epilogue). No per-slice init is read.
// CHECK-LABEL: func.func @split_k
// CHECK: %[[P:.*]] = memref.alloc() : memref<32x3x4xf32>
// CHECK: %[[CHUNK:.*]] = arith.ceildivui %{{.*}}, %c32 : index
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %[[Z:[a-z0-9_]+]]) in (%{{.*}} = %c1, %{{.*}} = %c1, %{{.*}} = %c32)
// CHECK: %[[BEGIN:.*]] = arith.muli %[[Z]], %[[CHUNK]] : index
// CHECK: scf.for %{{.*}} = %[[BEGIN]] to %{{.*}} step %c1
// CHECK: memref.store %{{.*}}, %[[P]][%[[Z]], %{{.*}}, %{{.*}}] : memref<32x3x4xf32>
// CHECK-NOT: memref.store %{{.*}}, %arg2
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK-COUNT-32: memref.load %[[P]]
// CHECK: memref.store %{{.*}}, %arg2[%{{.*}}, %{{.*}}] : memref<3x4xf32>
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[P]]
// CHECK-NOT: linalg.
// CHECK: return
func.func @split_k(%dy: memref<?x3x64xf32>, %x: memref<?x4x64xf32>, %dw: memref<3x4xf32>) {
  %zero = arith.constant 0.0 : f32
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

// A weight with a unit dim ([4, 1, 16]: conv1's one input channel): the
// update reads the gradient at (d0, 0, d2), its own element written the way
// canonicalization writes a unit dim's index. The epilogue is taken: the
// update runs on the gradient's register (stored too: the caller's buffer).
// CHECK-LABEL: func.func @unit_dim_epilogue
// CHECK: gpu.launch
// CHECK: scf.if
// CHECK: memref.store %[[GRAD:[a-z0-9_#]+]], %arg3[%{{.*}}, %c0, %{{.*}}]
// CHECK: %[[POLD:[a-z0-9_]+]] = memref.load %arg2[%{{.*}}, %c0, %{{.*}}]
// CHECK: %[[PNEW:[a-z0-9_]+]] = arith.subf %[[POLD]], %[[GRAD]] : f32
// CHECK: memref.store %[[PNEW]], %arg2[
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @unit_dim_epilogue(%a: memref<8x4xf32>, %dy: memref<8x16xf32>, %p: memref<4x1x16xf32>, %g: memref<4x1x16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill {nnc.epilogue_group = 5 : i64} ins(%zero : f32) outs(%g : memref<4x1x16xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3, d0)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"], nnc.epilogue_group = 5 : i64}
      ins(%a, %dy : memref<8x4xf32>, memref<8x16xf32>) outs(%g : memref<4x1x16xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %prod = arith.mulf %u, %v : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, 0, d2)>, affine_map<(d0, d1, d2) -> (d0, 0, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"], nnc.epilogue_group = 5 : i64}
      ins(%g, %p : memref<4x1x16xf32>, memref<4x1x16xf32>) outs(%p : memref<4x1x16xf32>) {
  ^bb0(%grad: f32, %pold: f32, %o: f32):
    %pnew = arith.subf %pold, %grad : f32
    linalg.yield %pnew : f32
  }
  return
}
