//===- Passes.td - nnc's code-generation passes ------------*- tablegen -*-===//
#ifndef NNC_CODEGEN_COMMON_PASSES_TD
#define NNC_CODEGEN_COMMON_PASSES_TD

include "mlir/Pass/PassBase.td"

def NNCLowerToLinalg : Pass<"nnc-lower-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower nn ops on tensors to linalg, tensor, arith and math";
  let description = [{
    The first code-generation stage: every nn op becomes destination-style
    ops on tensors, ready for one-shot bufferization.

    - Elementwise ops and `broadcast_to`: one `linalg.generic` whose indexing
      maps broadcast (NumPy, right-aligned): an operand dim of static size 1
      is read at constant index 0; a `?` dim of the result takes its size from
      the first operand whose dim there is not 1 (`tensor.dim`). A `?` operand
      dim is never treated as a broadcast (docs/ops.md: `?` against `n` gives
      `n`, checked at run time).
    - `sum mean max min`: a `linalg.generic` with reduction iterators into a
      `linalg.fill`ed init (mean divides afterwards); `keepdims` re-inserts
      the unit dims with `tensor.expand_shape`. `argmax`: value and index
      carried together, ties and NaN resolved so that the first index wins in
      any reduction order. Sums of f16/bf16 accumulate in f32 and round once.
    - `matmul`: `linalg.matmul` for 2-D operands, otherwise one
      `linalg.generic` that broadcasts the batch dims; f16/bf16 accumulate in
      f32.
    - `reshape flatten`: `tensor.collapse_shape` / `tensor.expand_shape`;
      `transpose`: `linalg.transpose`; `concat`: `tensor.concat`; `slice`:
      `tensor.extract_slice` with Python start/end clamping.
    - `conv2d`: the input zero-padded by `tensor.pad`, then
      `linalg.conv_2d_nchw_fchw` (groups = 1) or a `linalg.generic` reading
      channel `(o floordiv O/groups) * C/groups + c` (groups > 1); f16/bf16
      accumulate in f32; the bias is added by a generic broadcasting it along
      dim 1. Only the batch may be `?`.
    - `max_pool2d`: -inf padding and `linalg.pooling_nchw_max`;
      `avg_pool2d`: zero padding, `linalg.pooling_nchw_sum` and a division by
      `kh * kw` (padded cells count); `global_avg_pool`: `nn.mean` over H, W.
    - `gather`, `embedding`: a `linalg.generic` over the result that
      `tensor.extract`s at the index; negative indices count from the end and
      out-of-range ones are clamped (device code cannot report errors).
      `scatter_add` (their gradient): a `linalg.generic` over `x` that
      reduces over the index dims, adding the updates whose (wrapped,
      clamped) index is the element's position; f16/bf16 accumulate in f32.
      `dropout`: the identity, or with `training` a `linalg.generic` that
      computes Philox 4x32-10 from `linalg.index` (`arith.mului_extended`
      for the 32x32->64 products) and keeps, scaled, the elements whose
      draw is at least `p`.

    An op without a lowering is left alone and reported:
    `nnc-lower-to-linalg: no lowering for 'nn.softmax' yet`; the pass fails.
    Composite ops (`softmax`, norms, losses) are `nn-decompose`'s job.

    Example:

    ```mlir
    %z = nn.add %x, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
    // becomes
    %c0 = arith.constant 0 : index
    %d0 = tensor.dim %x, %c0 : tensor<?x4xf32>
    %e = tensor.empty(%d0) : tensor<?x4xf32>
    %z = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
           affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
           iterator_types = ["parallel", "parallel"]}
         ins(%x, %b : tensor<?x4xf32>, tensor<4xf32>) outs(%e : tensor<?x4xf32>) {
    ^bb0(%a: f32, %c: f32, %out: f32):
      %s = arith.addf %a, %c : f32
      linalg.yield %s : f32
    } -> tensor<?x4xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

def NNCFuseRegions : Pass<"nnc-fuse-regions", "::mlir::ModuleOp"> {
  let summary = "Fuse the linalg ops of each nn.fusion region, then inline it";
  let description = [{
    After `nnc-lower-to-linalg`, the ops of an `nn.fusion` region (made by
    `nn-fuse`) are linalg ops on tensors. This pass fuses elementwise
    producers into their consumers inside each region (linalg's elementwise
    op fusion, limited to pairs in the same region; a producer used after the
    consumer becomes one more result of the fused op only when the consumer
    has no reduction loops), then replaces the region by its ops. With every
    group fused, each region is one linalg op and so one kernel.

    ```mlir
    %r = nn.fusion {kind = "elementwise"} : tensor<?x64xf32> {
      %0 = linalg.generic ... (addf) ; %1 = linalg.generic ins(%0) (erf...)
      nn.yield %1 : tensor<?x64xf32>
    }
    // becomes one linalg.generic computing erf(... addf ...)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // NNC_CODEGEN_COMMON_PASSES_TD
