//===- Attention.cpp - nn-fuse-attention: attention as one op -------------===//
//
// Finds `matmul(softmax(s * c + mask, axis=-1), v)` with `s = matmul(q, kT)`
// (c a constant scalar, by `mul` or `div`, either side; mask optional) and
// rewrites it to `nn.attention(q, transpose(kT), v, mask)`: one kernel that
// keeps each row's scores in registers (online softmax) instead of writing
// and reading [..., Tq, Tk] tensors several times; its gradient
// (nn.attention_grad) recomputes them from q and k. Runs before
// nn-autodiff, which then sees the one op.
//
// Matched only where the kernels can take it: the scores, the scaled, the
// masked and the probabilities used once each; q, kT and v of rank >= 3,
// one float dtype (f32, f16, bf16), the same batch dims (no broadcasting);
// static head sizes D and Dv of 1 to kMaxAttentionHead (each thread keeps
// a row of q and of the result in registers); a mask [Tq, Tk] that depends
// on no param (it gets no gradient).
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "ir/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/DenseSet.h"

namespace nnc {
#define GEN_PASS_DEF_NNFUSEATTENTION
#include "passes/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::nn;

namespace {

RankedTensorType typeOf(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

/// The value of a constant 0-d (or one-element) float tensor.
std::optional<double> scalarConstant(Value v) {
  auto c = v.getDefiningOp<ConstantOp>();
  if (!c)
    return std::nullopt;
  auto dense = dyn_cast<DenseFPElementsAttr>(c.getValue());
  if (!dense || !dense.isSplat() || typeOf(v).getRank() != 0)
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToDouble();
}

/// Whether `v` is computed from a param (or a value of unknown origin).
bool dependsOnParam(Value v) {
  SmallVector<Value> work{v};
  llvm::DenseSet<Value> seen;
  while (!work.empty()) {
    Value x = work.pop_back_val();
    if (!seen.insert(x).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(x)) {
      auto f = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
      if (!f)
        return true;
      auto role = f.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "nn.role");
      if (!role || role.getValue() != "input")
        return true;
      continue;
    }
    Operation *def = x.getDefiningOp();
    if (def->getNumRegions() != 0)
      return true;
    for (Value o : def->getOperands())
      work.push_back(o);
  }
  return false;
}

bool sameBatchDims(RankedTensorType a, RankedTensorType b) {
  if (a.getRank() != b.getRank())
    return false;
  for (int64_t i = 0; i + 2 < a.getRank(); ++i)
    if (a.getDimSize(i) != b.getDimSize(i))
      return false;
  return true;
}

struct FuseAttention : RewritePattern {
  FuseAttention(MLIRContext *ctx)
      : RewritePattern(MatmulOp::getOperationName(), 1, ctx) {}

  LogicalResult matchAndRewrite(Operation *root,
                                PatternRewriter &rewriter) const override {
    auto pv = cast<MatmulOp>(root);
    auto softmax = pv.getLhs().getDefiningOp<SoftmaxOp>();
    if (!softmax || !softmax->hasOneUse())
      return rewriter.notifyMatchFailure(root, "lhs is not a softmax");
    RankedTensorType pt = typeOf(softmax.getResult());
    if (!pt || pt.getRank() < 3 ||
        softmax.getAxis() != pt.getRank() - 1)
      return rewriter.notifyMatchFailure(root, "not a softmax of rows");
    Value x = softmax.getX();
    // The optional mask.
    Value mask;
    if (auto add = x.getDefiningOp<AddOp>(); add && add->hasOneUse()) {
      for (auto [s, m] : {std::pair(add.getLhs(), add.getRhs()),
                          std::pair(add.getRhs(), add.getLhs())}) {
        RankedTensorType mt = typeOf(m);
        if (typeOf(s) == pt && mt && mt.getRank() == 2 &&
            mt.getShape() == pt.getShape().take_back(2) &&
            mt.getElementType() == pt.getElementType() && !dependsOnParam(m)) {
          mask = m;
          x = s;
          break;
        }
      }
    }
    // The scale.
    double scale = 1;
    if (auto mul = x.getDefiningOp<MulOp>(); mul && mul->hasOneUse()) {
      for (auto [s, c] : {std::pair(mul.getLhs(), mul.getRhs()),
                          std::pair(mul.getRhs(), mul.getLhs())})
        if (std::optional<double> f = scalarConstant(c);
            f && typeOf(s) == pt) {
          scale = *f;
          x = s;
          break;
        }
    } else if (auto div = x.getDefiningOp<DivOp>(); div && div->hasOneUse()) {
      if (std::optional<double> f = scalarConstant(div.getRhs());
          f && *f != 0 && typeOf(div.getLhs()) == pt) {
        scale = 1 / *f;
        x = div.getLhs();
      }
    }
    auto qk = x.getDefiningOp<MatmulOp>();
    if (!qk || !qk->hasOneUse())
      return rewriter.notifyMatchFailure(root, "no q @ kT under the softmax");
    Value q = qk.getLhs(), kT = qk.getRhs(), v = pv.getRhs();
    RankedTensorType qt = typeOf(q), kt = typeOf(kT), vt = typeOf(v);
    if (!qt || !kt || !vt || qt.getRank() != pt.getRank() ||
        !sameBatchDims(qt, kt) || !sameBatchDims(qt, vt) ||
        !sameBatchDims(qt, pt))
      return rewriter.notifyMatchFailure(root, "batch dims differ");
    if (!isAttentionElement(qt.getElementType()))
      return rewriter.notifyMatchFailure(root, "not f32, f16 or bf16");
    if (!isAttentionHead(qt.getShape().back()) ||
        !isAttentionHead(vt.getShape().back()))
      return rewriter.notifyMatchFailure(root, "head size too large");

    Location loc = root->getLoc();
    SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, kt.getRank()));
    std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
    auto k = createChecked<TransposeOp>(rewriter, loc, kT, ArrayRef(perm));
    if (!k)
      return failure();
    auto attention = createChecked<AttentionOp>(
        rewriter, loc, q, k.getResult(), v, mask,
        rewriter.getF64FloatAttr(scale));
    if (!attention) {
      rewriter.eraseOp(k);
      return failure();
    }
    if (attention.getResult().getType() != root->getResult(0).getType()) {
      rewriter.eraseOp(attention);
      rewriter.eraseOp(k);
      return rewriter.notifyMatchFailure(root, "another result type");
    }
    rewriter.replaceOp(root, attention.getResult());
    return success();
  }
};

struct NNFuseAttentionPass
    : nnc::impl::NNFuseAttentionBase<NNFuseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttention>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
