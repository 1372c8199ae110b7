// nnc-lower-to-linalg on the backward ops of conv2d and the pools. The
// input gradients are gathers over a "stuffed" dy: dy's rows `stride` apart
// in a zero tensor (tensor.insert_slice with strides), read by a convolution
// with affine maps; conv2d_grad_input flips w, max_pool2d_grad first picks
// each window's cell (an order-free reduction to an i32 window position)
// and stuffs those positions with -1 between them. conv2d_grad_weight
// correlates the zero-padded x with dy, the samples one of its reduction
// loops (no per-sample partials).
// The conv gradients keep every loop a plain dim of some operand, the conv
// group a loop of its own ([N, G, C/G, H, W], collapsed), as the
// implicit-GEMM kernel needs; the pooling gradients compute [N, C, H, W]
// as [N, C H W] with loop 0 the flat (c, h, w) and loop 1 the sample (the
// naive GPU mapping puts loop 0 on a block's threads), then expand; the
// max-pool gradient over disjoint windows is elementwise over [N, C, H, W].
// Shape-only tensor.empty operands give linalg the sizes of the window
// loops. The batch stays `?`.
// RUN: nnc-opt %s --nnc-lower-to-linalg | FileCheck %s
// RUN: nnc-opt %s --nnc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --convert-linalg-to-loops | FileCheck %s --check-prefix=LOOPS \
// RUN:   --implicit-check-not=tensor. --implicit-check-not=linalg.

// The max-pool gradient's window maps (@max_pool_grad_disjoint), printed at
// the top of the module.
// CHECK-DAG: #[[$W00:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, (d2 floordiv 2) * 2, (d3 floordiv 2) * 2)>
// CHECK-DAG: #[[$W11:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, (d2 floordiv 2) * 2 + 1, (d3 floordiv 2) * 2 + 1)>
// CHECK-DAG: #[[$DY:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 floordiv 2, d3 floordiv 2)>

// LOOPS-LABEL: func.func @grad_input_strided_grouped
// LOOPS: memref.subview {{.*}}[0, 0, 2, 2] [%{{.*}}, 6, 3, 3] [1, 1, 2, 2]
// LOOPS: scf.for
// LOOPS: arith.mulf
// LOOPS: memref.collapse_shape
// LOOPS-LABEL: func.func @grad_weight
// LOOPS-LABEL: func.func @max_pool_grad
// LOOPS: arith.cmpf ogt
// LOOPS: arith.cmpi eq
// LOOPS-LABEL: func.func @avg_pool_grad_bf16

// Stride 2 on 8x8 with a 3x3 kernel: dy [3, 3] lands at rows 2, 4, 6 of a
// 10x10 zero tensor; input row h reads rows h .. h + 2 against w's rows
// 2 .. 0. Loops [n, g, c, h, w, o, i, j]: with groups = 2, output channel
// o of group g is g * 3 + o, w's channel the c of the group.
// CHECK-DAG: #[[DYP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 3 + d5, d3 + d6, d4 + d7)>
// CHECK-DAG: #[[WF:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1 * 3 + d5, d2, -d6 + 2, -d7 + 2)>
// CHECK-DAG: #[[WIN3:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d6, d7)>
// CHECK-DAG: #[[OUT5:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[SHIFTED:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 4 + d5, d3 + d6, d4 + d7 + 1)>
// CHECK-DAG: #[[WF2:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1 * 4 + d5, d2, -d6 + 2, -d7 + 1)>
// CHECK-DAG: #[[XPMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d1, d2 + d5, d3 + d6)>
// CHECK-DAG: #[[DYMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d0, d5, d6)>
// CHECK-DAG: #[[WOUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[GXMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d0 * 2 + d2, d3 + d6, d4 + d7)>
// CHECK-DAG: #[[GDYMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d0 * 3 + d1, d6, d7)>
// CHECK-DAG: #[[OUT4:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0)>
// CHECK-DAG: #[[WINDOW:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0 floordiv 16, ((d0 floordiv 4) mod 4) * 2 + d2, (d0 mod 4) * 2 + d3)>
// CHECK-DAG: #[[WIN2:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[READ:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0 floordiv 64, (d0 floordiv 8) mod 8 + d2, d0 mod 8 + d3)>

// CHECK-LABEL: func.func @grad_input_strided_grouped
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x6x10x10xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<?x6x10x10xf32>)
// CHECK: %[[S:.*]] = tensor.insert_slice %arg0 into %[[Z]][0, 0, 2, 2] [%{{.*}}, 6, 3, 3] [1, 1, 2, 2] : tensor<?x6x3x3xf32> into tensor<?x6x10x10xf32>
// CHECK: %[[INIT:.*]] = linalg.fill {{.*}} -> tensor<?x2x2x8x8xf32>
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<3x3x3xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[DYP]], #[[WF]], #[[WIN3]], #[[OUT5]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[S]], %arg1, %[[WIN]] : tensor<?x6x10x10xf32>, tensor<6x2x3x3xf32>, tensor<3x3x3xf32>) outs(%[[INIT]] : tensor<?x2x2x8x8xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[DX:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0], [1, 2], [3], [4]] : tensor<?x2x2x8x8xf32> into tensor<?x4x8x8xf32>
// CHECK: return %[[DX]]
func.func @grad_input_strided_grouped(%dy: tensor<?x6x3x3xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<?x4x8x8xf32> {
  %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 2 : i64, input_size = array<i64: 8, 8>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x6x3x3xf32>, tensor<6x2x3x3xf32> -> tensor<?x4x8x8xf32>
  return %0 : tensor<?x4x8x8xf32>
}

// Padding [1, 2] with a 3x2 kernel: along w the padding (2) exceeds the
// kernel's reach (1), so dy's first column lands at 0 and every read is
// shifted by 1; along h dy lands at 1.
// CHECK-LABEL: func.func @grad_input_wide_padding
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 0, 1, 0] [%{{.*}}, 4, 5, 9] [1, 1, 1, 1] : tensor<?x4x5x9xf32> into tensor<?x4x7x9xf32>
// CHECK: linalg.generic {indexing_maps = [#[[SHIFTED]], #[[WF2]], #[[WIN3]], #[[OUT5]]]
func.func @grad_input_wide_padding(%dy: tensor<?x4x5x9xf32>, %w: tensor<4x2x3x2xf32>) -> tensor<?x2x5x6xf32> {
  %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 5, 6>, padding = array<i64: 1, 2>, stride = array<i64: 1, 1>} : tensor<?x4x5x9xf32>, tensor<4x2x3x2xf32> -> tensor<?x2x5x6xf32>
  return %0 : tensor<?x2x5x6xf32>
}

// One group: loops [o, c, i, j, n, ho, wo] into w's own shape [16, 1, 5, 5]
// (the samples, rows and columns reduced), no reshape, no second generic.
// CHECK-LABEL: func.func @grad_weight
// CHECK: %[[XP:.*]] = tensor.pad %arg0 low[0, 0, 2, 2] high[0, 0, 2, 2]
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<16x1x5x5xf32>)
// CHECK: %[[DW:.*]] = linalg.generic {indexing_maps = [#[[XPMAP]], #[[DYMAP]], #[[WOUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[XP]], %arg1 : tensor<?x1x32x32xf32>, tensor<?x16x28x28xf32>) outs(%[[F]] : tensor<16x1x5x5xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[DW]]
func.func @grad_weight(%x: tensor<?x1x28x28xf32>, %dy: tensor<?x16x28x28xf32>) -> tensor<16x1x5x5xf32> {
  %0 = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 5, 5>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x1x28x28xf32>, tensor<?x16x28x28xf32> -> tensor<16x1x5x5xf32>
  return %0 : tensor<16x1x5x5xf32>
}

// Kernel 3, stride 2, padding 1 on 8x8: the cells are chosen from x padded
// with -inf into the window position i * 3 + j (INT32_MAX before any cell),
// rejecting padded rows and columns (outside [1, 9) of the padded x; the
// window's (ho, wo) is unflattened from loop 0); the positions and dy are
// stuffed at rows 1, 3, 5, 7 of 10 (-1 and 0 between), and a cell takes dy
// where the stuffed position is (2 - i) * 3 + (2 - j).
// CHECK-LABEL: func.func @max_pool_grad
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[XP:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NEGINF]] : f32
// CHECK: %[[NONE:.*]] = arith.constant 2147483647 : i32
// CHECK: %[[IDX0:.*]] = linalg.fill ins(%[[NONE]] : i32) outs(%{{.*}} : tensor<?x48xi32>)
// CHECK: %[[CHOSEN:.*]]:2 = linalg.generic {indexing_maps = [#[[WINDOW]], #[[WIN2]], #[[OUT4]], #[[OUT4]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[XP]], %{{.*}} : tensor<?x3x10x10xf32>, tensor<3x3xf32>) outs(%{{.*}}, %[[IDX0]] : tensor<?x48xf32>, tensor<?x48xi32>)
// CHECK: ^bb0(%[[V:.*]]: f32, %{{.*}}: f32, %[[TOP:.*]]: f32, %[[TOPIDX:.*]]: i32):
// CHECK: %[[I:.*]] = linalg.index 2 : index
// CHECK: %[[J:.*]] = linalg.index 3 : index
// CHECK: %[[POSITION:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK: arith.cmpf uno, %[[V]], %[[V]] : f32
// CHECK: arith.cmpi slt, %[[POSITION]], %[[TOPIDX]] : i32
// CHECK: arith.cmpi sgt, %[[POSITION]], %[[TOPIDX]] : i32
// CHECK: arith.cmpf oeq, %[[V]], %[[TOP]] : f32
// CHECK: arith.cmpf ogt, %[[V]], %[[TOP]] : f32
// CHECK: linalg.index 0 : index
// CHECK: arith.cmpi slt, %{{.*}}, %c9 : index
// CHECK: arith.cmpi sge, %{{.*}}, %c1 : index
// CHECK: arith.select %[[TAKE:.*]], %[[V]], %[[TOP]] : f32
// CHECK-NEXT: arith.select %[[TAKE]], %[[POSITION]], %[[TOPIDX]] : i32
// CHECK: %[[CHOSEN4:.*]] = tensor.expand_shape %[[CHOSEN]]#1 {{\[}}[0], [1, 2, 3]] output_shape [%{{.*}}, 3, 4, 4] : tensor<?x48xi32> into tensor<?x3x4x4xi32>
// CHECK: %[[DYS:.*]] = tensor.insert_slice %arg1 into %{{.*}}[0, 0, 1, 1] [%{{.*}}, 3, 4, 4] [1, 1, 2, 2] : tensor<?x3x4x4xf32> into tensor<?x3x10x10xf32>
// CHECK: %[[MINUS1:.*]] = arith.constant -1 : i32
// CHECK: linalg.fill ins(%[[MINUS1]] : i32)
// CHECK: %[[IDXS:.*]] = tensor.insert_slice %[[CHOSEN4]] into %{{.*}}[0, 0, 1, 1] [%{{.*}}, 3, 4, 4] [1, 1, 2, 2] : tensor<?x3x4x4xi32> into tensor<?x3x10x10xi32>
// CHECK: %[[DX:.*]] = linalg.generic {indexing_maps = [#[[READ]], #[[READ]], #[[WIN2]], #[[OUT4]]], {{.*}}} ins(%[[IDXS]], %[[DYS]], %{{.*}} : tensor<?x3x10x10xi32>, tensor<?x3x10x10xf32>, tensor<3x3xf32>) outs(%{{.*}} : tensor<?x192xf32>)
// CHECK: ^bb0(%[[POS:.*]]: i32, %[[G:.*]]: f32, %{{.*}}: f32, %[[ACC:.*]]: f32):
// CHECK: %[[WANT:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[POS]], %[[WANT]] : i32
// CHECK: %[[KEEP:.*]] = arith.select %[[HIT]], %[[G]], %{{.*}} : f32
// CHECK: arith.addf %[[ACC]], %[[KEEP]] : f32
// CHECK: %[[DX4:.*]] = tensor.expand_shape %[[DX]] {{\[}}[0], [1, 2, 3]] output_shape [%{{.*}}, 3, 8, 8] : tensor<?x192xf32> into tensor<?x3x8x8xf32>
// CHECK: return %[[DX4]]
func.func @max_pool_grad(%x: tensor<?x3x8x8xf32>, %dy: tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32> {
  %0 = nn.max_pool2d_grad %x, %dy {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xf32>, tensor<?x3x4x4xf32> -> tensor<?x3x8x8xf32>
  return %0 : tensor<?x3x8x8xf32>
}

// 2x2 windows with stride 2 tile x: one elementwise generic over dx (loops
// [n, c, h, w], written at its indices, so that the ops around it fuse)
// reads the cell's four window values and the window's dy; no stuffed
// tensors, no second generic, no reshape.
// CHECK-LABEL: func.func @max_pool_grad_disjoint
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[DX:.*]] = linalg.generic {indexing_maps = [#[[$W00]], #{{.*}}, #{{.*}}, #[[$W11]], #[[$DY]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0, %arg0, %arg0, %arg0, %arg1 : tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>, tensor<?x3x4x4xf32>) outs(%{{.*}} : tensor<?x3x8x8xf32>)
// CHECK: ^bb0(%[[V0:.*]]: f32, %[[V1:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32, %[[G:.*]]: f32, %{{.*}}: f32):
// CHECK: arith.cmpf uno, %[[V1]], %[[V1]] : f32
// CHECK: arith.cmpf ogt, %[[V1]], %[[V0]] : f32
// CHECK-COUNT-2: arith.cmpf uno
// CHECK: linalg.index 2
// CHECK: linalg.index 3
// CHECK: %[[HIT:.*]] = arith.cmpi eq
// CHECK: arith.select %[[HIT]], %[[G]], %{{.*}} : f32
// CHECK-NOT: tensor.expand_shape
// CHECK-NOT: linalg.generic
// CHECK: return %[[DX]]
func.func @max_pool_grad_disjoint(%x: tensor<?x3x8x8xf32>, %dy: tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32> {
  %0 = nn.max_pool2d_grad %x, %dy {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xf32>, tensor<?x3x4x4xf32> -> tensor<?x3x8x8xf32>
  return %0 : tensor<?x3x8x8xf32>
}

// bf16 sums dy / 4 in f32 and rounds once.
// CHECK-LABEL: func.func @avg_pool_grad_bf16
// CHECK: %[[S:.*]] = tensor.insert_slice %arg0 into %{{.*}}[0, 0, 1, 1] [%{{.*}}, 3, 4, 4] [1, 1, 2, 2] : tensor<?x3x4x4xbf16> into tensor<?x3x9x9xbf16>
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[READ]], #[[WIN2]], #[[OUT4]]], {{.*}}} ins(%[[S]], %{{.*}} : tensor<?x3x9x9xbf16>, tensor<2x2xbf16>) outs(%{{.*}} : tensor<?x192xf32>)
// CHECK: %[[FOUR:.*]] = arith.constant 4.000000e+00 : f32
// CHECK: %[[G:.*]] = arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.divf %[[G]], %[[FOUR]] : f32
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x192xf32>) outs(%{{.*}} : tensor<?x192xbf16>)
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: tensor.expand_shape %[[B]] {{\[}}[0], [1, 2, 3]] output_shape [%{{.*}}, 3, 8, 8] : tensor<?x192xbf16> into tensor<?x3x8x8xbf16>
func.func @avg_pool_grad_bf16(%dy: tensor<?x3x4x4xbf16>) -> tensor<?x3x8x8xbf16> {
  %0 = nn.avg_pool2d_grad %dy {input_size = array<i64: 8, 8>, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x4x4xbf16> -> tensor<?x3x8x8xbf16>
  return %0 : tensor<?x3x8x8xbf16>
}

// Groups = 2: the group is a loop of its own, [g, o, c, i, j, n, ho, wo]
// into [2, 3, 2, 3, 3] (x's channel g * 2 + c, dy's g * 3 + o), collapsed
// to w's [6, 2, 3, 3].
// CHECK-LABEL: func.func @grad_weight_grouped
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[GXMAP]], #[[GDYMAP]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<2x3x2x3x3xf32>)
// CHECK: tensor.collapse_shape %[[G]] {{\[}}[0, 1], [2], [3], [4]] : tensor<2x3x2x3x3xf32> into tensor<6x2x3x3xf32>
func.func @grad_weight_grouped(%x: tensor<?x4x6x6xf32>, %dy: tensor<?x6x6x6xf32>) -> tensor<6x2x3x3xf32> {
  %0 = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 1, 1>, groups = 2 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<?x4x6x6xf32>, tensor<?x6x6x6xf32> -> tensor<6x2x3x3xf32>
  return %0 : tensor<6x2x3x3xf32>
}

// One window per row and column (3x3 pooled by 2x2 to 1x1): the cell
// choice reads x only up to its last window (rows and columns 0..1), so the
// window loops' extents agree with x's (with a static batch they failed
// linalg's verifier).
// CHECK-LABEL: func.func @max_pool_grad_one_window
// CHECK: %[[X:.*]] = tensor.extract_slice %arg0[0, 0, 0, 0] [5, 2, 2, 2] [1, 1, 1, 1] : tensor<5x2x3x3xf32> to tensor<5x2x2x2xf32>
// CHECK: linalg.generic {{.*}} ins(%[[X]], %{{.*}} : tensor<5x2x2x2xf32>, tensor<2x2xf32>)
func.func @max_pool_grad_one_window(%x: tensor<5x2x3x3xf32>, %dy: tensor<5x2x1x1xf32>) -> tensor<5x2x3x3xf32> {
  %0 = nn.max_pool2d_grad %x, %dy {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<5x2x3x3xf32>, tensor<5x2x1x1xf32> -> tensor<5x2x3x3xf32>
  return %0 : tensor<5x2x3x3xf32>
}
