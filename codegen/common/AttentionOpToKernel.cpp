//===- AttentionOpToKernel.cpp - attention ops to nn.attention_kernel -----===//
//
// nn.attention, nn.attention_lse and nn.attention_grad become
// nn.attention_kernel ops on tensors, written into tensor.empty outputs:
// they bufferize like linalg ops and nnc-gpu-attention builds their
// kernels. An nn.attention_lse with the operands of an nn.attention (the
// gradient's) joins the forward's kernel as its second output.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/PatternNNToLinalg.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace nnc::nn;

namespace nnc::codegen {
namespace {

/// An empty tensor of `type`, dynamic dim i the size of dim i of `like`
/// (of the last dim of `last` for the last one, where given).
Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type, Value like,
                Value last = nullptr) {
  SmallVector<OpFoldResult> sizes;
  int64_t rank = type.getRank();
  for (int64_t i = 0; i < rank; ++i) {
    if (!type.isDynamicDim(i))
      sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
    else if (last && i == rank - 1)
      sizes.push_back(dimSize(
          b, loc, last, cast<RankedTensorType>(last.getType()).getRank() - 1));
    else
      sizes.push_back(dimSize(b, loc, like, i));
  }
  return tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
}

/// `kind` of `inputs` (and `mask`) into empty outputs of `outTypes`, the
/// dynamic dims of output i those of `likes[i]` (the first output's last
/// dim `lastFrom`'s last dim, where given: the forward's is v's).
AttentionKernelOp buildKernel(PatternRewriter &rewriter, Location loc,
                              StringRef kind, ValueRange inputs, Value mask,
                              ArrayRef<RankedTensorType> outTypes,
                              ArrayRef<Value> likes, FloatAttr scale,
                              Value lastFrom = nullptr) {
  SmallVector<Value> ins(inputs);
  if (mask)
    ins.push_back(mask);
  SmallVector<Value> outs;
  SmallVector<Type> types;
  for (auto [t, like] : llvm::zip_equal(outTypes, likes)) {
    outs.push_back(emptyLike(rewriter, loc, t, like,
                             outs.empty() ? lastFrom : Value()));
    types.push_back(t);
  }
  return AttentionKernelOp::create(
      rewriter, loc, types, ins, outs, rewriter.getStringAttr(kind), scale,
      mask ? rewriter.getUnitAttr() : UnitAttr());
}

struct AttentionOpToKernel : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    // The gradient's log-sum-exp of the same scores, if any.
    AttentionLseOp lse = lseOf(op);
    SmallVector<RankedTensorType> types{op.getType()};
    SmallVector<Value> likes{op.getQ()};
    if (lse) {
      types.push_back(lse.getType());
      likes.push_back(op.getQ());
    }
    AttentionKernelOp kernel = buildKernel(
        rewriter, op.getLoc(), "forward", {op.getQ(), op.getK(), op.getV()},
        op.getMask(), types, likes, op.getScaleAttr(), op.getV());
    rewriter.replaceOp(op, kernel.getResult(0));
    if (lse)
      rewriter.replaceOp(lse, kernel.getResult(1));
    return success();
  }
};

struct AttentionLseOpToKernel : OpRewritePattern<AttentionLseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionLseOp op,
                                PatternRewriter &rewriter) const override {
    // An nn.attention of the same scores takes it (see above).
    if (scoresOf(op))
      return rewriter.notifyMatchFailure(op, "joins the forward kernel");
    AttentionKernelOp kernel =
        buildKernel(rewriter, op.getLoc(), "lse", {op.getQ(), op.getK()},
                    op.getMask(), {op.getType()}, {op.getQ()},
                    op.getScaleAttr());
    rewriter.replaceOp(op, kernel.getResult(0));
    return success();
  }
};

/// The nn.attention_grad for `wrt` of the same operands as `op`, in its
/// block, if any.
AttentionGradOp sibling(AttentionGradOp op, StringRef wrt) {
  for (Operation *user : op.getQ().getUsers())
    if (auto g = dyn_cast<AttentionGradOp>(user);
        g && g != op && g.getWrt() == wrt &&
        g->getOperands() == op->getOperands() &&
        g.getScale() == op.getScale() && g->getBlock() == op->getBlock())
      return g;
  return nullptr;
}

// dk and dv of the same operands are one kernel (`grad_kv`, dk first): the
// scores and probabilities are recomputed once for both (nnc-gpu-attention
// splits it again where a thread takes one row).
struct AttentionGradOpToKernel : OpRewritePattern<AttentionGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionGradOp op,
                                PatternRewriter &rewriter) const override {
    StringRef wrt = op.getWrt();
    AttentionGradOp other;
    if (wrt == "k" || wrt == "v")
      other = sibling(op, wrt == "k" ? "v" : "k");
    if (other && !op->isBeforeInBlock(other))
      return rewriter.notifyMatchFailure(op, "the earlier one takes both");
    SmallVector<RankedTensorType> types{op.getType()};
    SmallVector<Value> likes{
        wrt == "q" ? op.getQ() : wrt == "k" ? op.getK() : op.getV()};
    std::string kind = ("grad_" + wrt).str();
    AttentionGradOp dk = op, dv;
    if (other) {
      dk = wrt == "k" ? op : other;
      dv = wrt == "k" ? other : op;
      types = {dk.getType(), dv.getType()};
      likes = {op.getK(), op.getV()};
      kind = "grad_kv";
    }
    AttentionKernelOp kernel = buildKernel(
        rewriter, op.getLoc(), kind,
        {op.getQ(), op.getK(), op.getV(), op.getLse(), op.getDelta(),
         op.getDout()},
        op.getMask(), types, likes, op.getScaleAttr());
    if (!other) {
      rewriter.replaceOp(op, kernel.getResult(0));
      return success();
    }
    rewriter.replaceOp(dk, kernel.getResult(0));
    rewriter.replaceOp(dv, kernel.getResult(1));
    return success();
  }
};

} // namespace

void populateAttentionOpToKernelPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionOpToKernel, AttentionLseOpToKernel,
               AttentionGradOpToKernel>(patterns.getContext());
}

} // namespace nnc::codegen
