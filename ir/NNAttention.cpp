//===- NNAttention.cpp - attention ops: inference and gradient ------------===//
//
// nn.attention, nn.attention_lse and nn.attention_grad share one operand
// check (q, k, v, mask); the gradient of nn.attention is three
// nn.attention_grad ops fed by the forward's log-sum-exp per row and
// `delta = sum(dout * out, axis=-1)`, so no [Tq, Tk] tensor is ever built.
//
//===----------------------------------------------------------------------===//
#include "ir/NNInference.h"
#include "ir/VJPBuilder.h"

using namespace mlir;
using namespace nnc::nn;
using namespace nnc::nn::detail;

namespace {

std::string fmtDim(int64_t d) { return isDyn(d) ? "?" : std::to_string(d); }

/// The checked shapes of one attention op's operands.
struct AttentionShapes {
  RankedTensorType q;
  SmallVector<int64_t> batch; // merged batch dims of q, k (and v)
  int64_t tq = kDyn, tk = kDyn, dv = kDyn;
};

/// q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv] (when given), mask
/// [Tq, Tk] (when given): float, one dtype, the same batch dims.
FailureOr<AttentionShapes> checkOperands(const Checker &c, Value qv, Value kv,
                                         Value vv, Value maskv) {
  AttentionShapes s;
  auto fail = [&](const Twine &message) -> FailureOr<AttentionShapes> {
    (void)c.error(message);
    return failure();
  };
  s.q = c.tensor(qv, "q", Dtypes::Float);
  if (!s.q)
    return failure();
  // The kernels compute in f32 and keep a row of q (or k) and of the
  // result in registers.
  if (!isAttentionElement(s.q.getElementType()))
    return fail("needs q of f32, f16 or bf16; got " + fmt(s.q));
  RankedTensorType k = c.tensor(kv, "k", Dtypes::Float);
  if (!k || failed(c.sameDtype(s.q, k, "q and k")))
    return failure();
  if (s.q.getRank() < 2 || k.getRank() != s.q.getRank())
    return fail("needs q [..., Tq, D] and k [..., Tk, D] of one rank "
                   "(at least 2); got " +
                   fmt(s.q) + " and " + fmt(k));
  int64_t rank = s.q.getRank();
  auto mismatch = [&](RankedTensorType t, StringRef name) {
    return fail("needs " + name + " with the batch dims of q " + fmt(s.q) +
                   "; got " + fmt(t));
  };
  for (int64_t i = 0; i < rank - 2; ++i) {
    std::optional<int64_t> d = mergeDim(s.q.getDimSize(i), k.getDimSize(i));
    if (!d)
      return mismatch(k, "k");
    s.batch.push_back(*d);
  }
  if (!mergeDim(s.q.getShape().back(), k.getShape().back()))
    return fail("needs q and k of one head size D; got " + fmt(s.q) +
                   " and " + fmt(k));
  if (!isAttentionHead(s.q.getShape().back()))
    return fail("needs a static head size D of 1 to " +
                Twine(kMaxAttentionHead) + "; got q " + fmt(s.q));
  s.tq = s.q.getDimSize(rank - 2);
  s.tk = k.getDimSize(rank - 2);
  if (vv) {
    RankedTensorType v = c.tensor(vv, "v", Dtypes::Float);
    if (!v || failed(c.sameDtype(s.q, v, "q and v")))
      return failure();
    if (v.getRank() != rank)
      return mismatch(v, "v");
    for (int64_t i = 0; i < rank - 2; ++i) {
      std::optional<int64_t> d = mergeDim(s.batch[i], v.getDimSize(i));
      if (!d)
        return mismatch(v, "v");
      s.batch[i] = *d;
    }
    std::optional<int64_t> tk = mergeDim(s.tk, v.getDimSize(rank - 2));
    if (!tk)
      return fail("needs k and v with one key count Tk; got " + fmt(k) +
                     " and " + fmt(v));
    s.tk = *tk;
    s.dv = v.getShape().back();
    if (!isAttentionHead(s.dv))
      return fail("needs a static head size Dv of 1 to " +
                  Twine(kMaxAttentionHead) + "; got v " + fmt(v));
  }
  if (maskv) {
    RankedTensorType m = c.tensor(maskv, "mask", Dtypes::Float);
    if (!m || failed(c.sameDtype(s.q, m, "q and mask")))
      return failure();
    std::optional<int64_t> tq, tk;
    if (m.getRank() == 2) {
      tq = mergeDim(s.tq, m.getDimSize(0));
      tk = mergeDim(s.tk, m.getDimSize(1));
    }
    if (!tq || !tk)
      return fail("needs a mask [Tq, Tk] = [" + fmtDim(s.tq) + ", " +
                     fmtDim(s.tk) + "]; got " + fmt(m));
    s.tq = *tq;
    s.tk = *tk;
  }
  return s;
}

/// f32 `[batch..., Tq]`, as lse and delta are.
RankedTensorType rowType(const AttentionShapes &s) {
  SmallVector<int64_t> shape(s.batch);
  shape.push_back(s.tq);
  return RankedTensorType::get(shape, Float32Type::get(s.q.getContext()));
}

} // namespace

FailureOr<Type> AttentionOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "attention"};
  FailureOr<AttentionShapes> s =
      checkOperands(c, a.getQ(), a.getK(), a.getV(), a.getMask());
  if (failed(s))
    return failure();
  SmallVector<int64_t> shape(s->batch);
  shape.push_back(s->tq);
  shape.push_back(s->dv);
  return Type(RankedTensorType::get(shape, s->q.getElementType()));
}
NN_INFER_GLUE(AttentionOp)

FailureOr<Type> AttentionLseOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "attention_lse"};
  FailureOr<AttentionShapes> s =
      checkOperands(c, a.getQ(), a.getK(), Value(), a.getMask());
  if (failed(s))
    return failure();
  return Type(rowType(*s));
}
NN_INFER_GLUE(AttentionLseOp)

FailureOr<Type> AttentionGradOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "attention_grad"};
  FailureOr<AttentionShapes> s =
      checkOperands(c, a.getQ(), a.getK(), a.getV(), a.getMask());
  if (failed(s))
    return failure();
  RankedTensorType rows = rowType(*s);
  for (auto [v, name] : {std::pair(a.getLse(), "lse"),
                         std::pair(a.getDelta(), "delta")}) {
    RankedTensorType t = c.tensor(v, name, Dtypes::Float);
    if (!t)
      return failure();
    if (!t.getElementType().isF32() ||
        !compatibleShapes(t.getShape(), rows.getShape()))
      return c.error("needs " + Twine(name) + " " + fmt(rows) + "; got " +
                     fmt(t));
  }
  SmallVector<int64_t> outShape(s->batch);
  outShape.push_back(s->tq);
  outShape.push_back(s->dv);
  RankedTensorType dout = c.tensor(a.getDout(), "dout", Dtypes::Float);
  if (!dout)
    return failure();
  if (dout.getElementType() != s->q.getElementType() ||
      !compatibleShapes(dout.getShape(), outShape))
    return c.error("needs dout " +
                   fmt(RankedTensorType::get(outShape,
                                             s->q.getElementType())) +
                   "; got " + fmt(dout));
  StringRef wrt = a.getWrt();
  if (wrt == "q")
    return Type(a.getQ().getType());
  if (wrt == "k")
    return Type(a.getK().getType());
  if (wrt == "v")
    return Type(a.getV().getType());
  return c.error("needs wrt \"q\", \"k\" or \"v\"; got \"" + wrt + "\"");
}
NN_INFER_GLUE(AttentionGradOp)

// The forward's statistics per row (lse) and delta = sum(dout * out) in f32,
// then each gradient by its own kernel. The mask gets none.
LogicalResult AttentionOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                    SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value mask = getMask();
  Value lse = v.make<AttentionLseOp>(getQ(), getK(), mask, getScaleAttr());
  Value dout = ct[0];
  auto f32 = [&](Value x) -> Value {
    if (!x || VJPBuilder::type(x).getElementType().isF32())
      return x;
    return CastOp::create(b, getLoc(), x, b.getF32Type()).getResult();
  };
  int64_t last = getResult().getType().getRank() - 1;
  Value delta = v.sum(v.mul(f32(dout), f32(getResult())), {last}, false);
  auto grad = [&](StringRef wrt) -> Value {
    if (!lse || !delta || !dout)
      return Value();
    return v.make<AttentionGradOp>(getQ(), getK(), getV(), lse, delta, dout,
                                   mask, getScaleAttr(),
                                   b.getStringAttr(wrt));
  };
  Value dq = grad("q"), dk = grad("k"), dv = grad("v");
  if (!mask)
    return finish(out, {{dq, true}, {dk, true}, {dv, true}});
  return finish(out, {{dq, true}, {dk, true}, {dv, true}, {Value(), false}});
}

//===----------------------------------------------------------------------===//
// nn.attention_kernel
//===----------------------------------------------------------------------===//

LogicalResult AttentionKernelOp::verify() {
  StringRef kind = getKind();
  unsigned mask = getMasked() ? 1 : 0;
  unsigned ins = getInputs().size(), outs = getOutputs().size();
  bool ok = (kind == "forward" && ins == 3 + mask && (outs == 1 || outs == 2)) ||
            (kind == "lse" && ins == 2 + mask && outs == 1) ||
            ((kind == "grad_q" || kind == "grad_k" || kind == "grad_v") &&
             ins == 6 + mask && outs == 1) ||
            (kind == "grad_kv" && ins == 6 + mask && outs == 2);
  if (!ok)
    return emitOpError("kind '")
           << kind << "' with " << ins << " inputs and " << outs
           << " outputs" << (mask ? " (masked)" : "");
  bool tensors = isa<RankedTensorType>(getOutputs().front().getType());
  for (Value v : getOperands())
    if (isa<RankedTensorType>(v.getType()) != tensors)
      return emitOpError("mixes tensors and memrefs");
  if (getNumResults() != (tensors ? outs : 0))
    return emitOpError("needs one result per output on tensors, none on "
                       "memrefs");
  // What the kernels index: q, k (and v) [..., T, D] of one rank and float
  // dtype, static heads; the mask [Tq, Tk]; lse and delta f32 [..., Tq].
  auto shaped = [](Value v) { return cast<ShapedType>(v.getType()); };
  ValueRange in = getInputs();
  ShapedType q = shaped(in[0]);
  int64_t rank = q.getRank();
  Type elt = q.getElementType();
  if (rank < 2 || !isAttentionElement(elt))
    return emitOpError("needs q of f32, f16 or bf16 and rank >= 2; got ")
           << q;
  unsigned heads = kind == "lse" ? 2 : 3;
  for (unsigned i = 0; i < heads; ++i) {
    ShapedType t = shaped(in[i]);
    int64_t d = t.getRank() == rank ? t.getShape().back() : 0;
    if (t.getElementType() != elt || !isAttentionHead(d) ||
        (i == 1 && d != q.getShape().back()))
      return emitOpError("needs q, k")
             << (heads == 3 ? " and v" : "") << " of one dtype and rank, "
             << "static head sizes of 1 to " << kMaxAttentionHead
             << " (q's and k's equal); got " << t;
  }
  if (mask && (shaped(in.back()).getRank() != 2 ||
               shaped(in.back()).getElementType() != elt))
    return emitOpError("needs a mask [Tq, Tk] of q's dtype; got ")
           << shaped(in.back());
  auto isRows = [&](Value v) {
    ShapedType t = shaped(v);
    return t.getRank() == rank - 1 && t.getElementType().isF32();
  };
  if (kind.starts_with("grad_") &&
      (!isRows(in[3]) || !isRows(in[4]) || shaped(in[5]).getRank() != rank ||
       shaped(in[5]).getElementType() != elt))
    return emitOpError("needs lse and delta f32 [..., Tq] and dout of q's "
                       "dtype and rank");
  ValueRange out = getOutputs();
  auto isHeads = [&](Value v) {
    return shaped(v).getRank() == rank && shaped(v).getElementType() == elt;
  };
  bool outsOk = kind == "lse"       ? isRows(out[0])
                : kind == "grad_kv" ? isHeads(out[0]) && isHeads(out[1])
                                    : isHeads(out[0]) &&
                                          (out.size() == 1 || isRows(out[1]));
  if (!outsOk)
    return emitOpError("has outputs of the wrong rank or dtype");
  return success();
}

void AttentionKernelOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &o : getInputsMutable())
    if (isa<MemRefType>(o.get().getType()))
      effects.emplace_back(MemoryEffects::Read::get(), &o,
                           SideEffects::DefaultResource::get());
  for (OpOperand &o : getOutputsMutable())
    if (isa<MemRefType>(o.get().getType()))
      effects.emplace_back(MemoryEffects::Write::get(), &o,
                           SideEffects::DefaultResource::get());
}

bool AttentionKernelOp::bufferizesToMemoryRead(
    OpOperand &operand, const bufferization::AnalysisState &) {
  return !isDpsInit(&operand);
}

bool AttentionKernelOp::bufferizesToMemoryWrite(
    OpOperand &operand, const bufferization::AnalysisState &) {
  return isDpsInit(&operand);
}

bufferization::AliasingValueList AttentionKernelOp::getAliasingValues(
    OpOperand &operand, const bufferization::AnalysisState &) {
  if (!isDpsInit(&operand))
    return {};
  return {{getTiedOpResult(&operand),
           bufferization::BufferRelation::Equivalent}};
}

LogicalResult
AttentionKernelOp::bufferize(RewriterBase &rewriter,
                             const bufferization::BufferizationOptions &options,
                             bufferization::BufferizationState &state) {
  auto buffers = [&](ValueRange values,
                     SmallVectorImpl<Value> &out) -> LogicalResult {
    for (Value v : values) {
      FailureOr<Value> buffer =
          bufferization::getBuffer(rewriter, v, options, state);
      if (failed(buffer))
        return failure();
      out.push_back(*buffer);
    }
    return success();
  };
  SmallVector<Value> ins, outs;
  if (failed(buffers(getInputs(), ins)) || failed(buffers(getOutputs(), outs)))
    return failure();
  AttentionKernelOp::create(rewriter, getLoc(), TypeRange{}, ins, outs,
                            getKindAttr(), getScaleAttr(), getMaskedAttr());
  bufferization::replaceOpWithBufferizedValues(rewriter, *this, outs);
  return success();
}

bool nnc::nn::sharesScores(AttentionOp attention, AttentionLseOp lse) {
  return attention.getQ() == lse.getQ() && attention.getK() == lse.getK() &&
         attention.getMask() == lse.getMask() &&
         attention.getScale() == lse.getScale() &&
         attention->getBlock() == lse->getBlock() &&
         attention->isBeforeInBlock(lse);
}

AttentionOp nnc::nn::scoresOf(AttentionLseOp lse) {
  for (Operation *user : lse.getQ().getUsers())
    if (auto a = dyn_cast<AttentionOp>(user); a && sharesScores(a, lse))
      return a;
  return nullptr;
}

AttentionLseOp nnc::nn::lseOf(AttentionOp attention) {
  for (Operation *user : attention.getQ().getUsers())
    if (auto l = dyn_cast<AttentionLseOp>(user);
        l && sharesScores(attention, l))
      return l;
  return nullptr;
}
