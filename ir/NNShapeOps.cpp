//===- NNShapeOps.cpp - Inference of matmul, conv, pooling and shape ops --===//
#include "ir/NNInference.h"

using namespace mlir;
using namespace nnc::nn;
using namespace nnc::nn::detail;

//===----------------------------------------------------------------------===//
// matmul, conv2d, pooling
//===----------------------------------------------------------------------===//

FailureOr<Type> MatmulOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "matmul"};
  RankedTensorType l = c.tensor(a.getLhs(), "lhs", Dtypes::Numeric);
  if (!l)
    return failure();
  RankedTensorType r = c.tensor(a.getRhs(), "rhs", Dtypes::Numeric);
  if (!r || failed(c.sameDtype(l, r)))
    return failure();
  auto mismatch = [&] {
    return c.error("needs lhs [..., M, K] and rhs [..., K, N]; got " + fmt(l) +
                   " and " + fmt(r));
  };
  if (l.getRank() == 0 || r.getRank() == 0)
    return mismatch();
  SmallVector<int64_t> ls(l.getShape()), rs(r.getShape());
  if (ls.size() == 1)
    ls.insert(ls.begin(), 1);
  if (rs.size() == 1)
    rs.push_back(1);
  if (!mergeDim(ls.back(), rs[rs.size() - 2]))
    return mismatch();
  auto lb =
      RankedTensorType::get(ArrayRef(ls).drop_back(2), l.getElementType());
  auto rb =
      RankedTensorType::get(ArrayRef(rs).drop_back(2), r.getElementType());
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(c, {lb, rb}, "the batch dims ");
  if (failed(shape))
    return failure();
  if (l.getRank() > 1)
    shape->push_back(ls[ls.size() - 2]);
  if (r.getRank() > 1)
    shape->push_back(rs.back());
  return Type(RankedTensorType::get(*shape, l.getElementType()));
}
NN_INFER_GLUE(MatmulOp)

FailureOr<Type> Conv2DOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "conv2d"};
  if (a.getOperands().size() > 3)
    return c.error("takes x, w and an optional bias; got " +
                   Twine(a.getOperands().size()) + " operands");
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Float);
  if (!x)
    return failure();
  RankedTensorType w = c.tensor(a.getW(), "w", Dtypes::Float);
  if (!w || failed(c.sameDtype(x, w, "x and w")))
    return failure();
  if (failed(checkPair(c, "stride", a.getStride(), 1)) ||
      failed(checkPair(c, "padding", a.getPadding(), 0)) ||
      failed(checkPair(c, "dilation", a.getDilation(), 1)))
    return failure();
  int64_t groups = a.getGroups();
  if (groups < 1)
    return c.error("groups must be >= 1; got " + Twine(groups));
  auto shapes = [&] {
    return c.error("needs x [N, C, H, W] and w [O, C/groups, kh, kw] with "
                   "groups = " +
                   Twine(groups) + "; got " + fmt(x) + " and " + fmt(w));
  };
  if (x.getRank() != 4 || w.getRank() != 4)
    return shapes();
  int64_t ch = x.getDimSize(1), wch = w.getDimSize(1), out = w.getDimSize(0);
  if (!isDyn(ch) && !isDyn(wch) && ch != wch * groups)
    return shapes();
  if (!isDyn(out) && out % groups != 0)
    return c.error("needs the output channels " + Twine(out) +
                   " of w to be a multiple of groups = " + Twine(groups));
  if (Value bias = a.getBias()) {
    RankedTensorType bt = c.tensor(bias, "bias", Dtypes::Float);
    if (!bt)
      return failure();
    if (bt.getElementType() != x.getElementType() ||
        !compatibleShapes(bt.getShape(), {out}))
      return c.error("needs bias [O] = " +
                     fmt(RankedTensorType::get({out}, x.getElementType())) +
                     " for w " + fmt(w) + "; got " + fmt(bt));
  }
  SmallVector<int64_t> shape = {x.getDimSize(0), out};
  for (int i = 0; i < 2; ++i) {
    FailureOr<int64_t> d =
        windowDim(c, x, x.getDimSize(2 + i), w.getDimSize(2 + i),
                  a.getStride()[i], a.getPadding()[i], a.getDilation()[i]);
    if (failed(d))
      return failure();
    shape.push_back(*d);
  }
  return Type(RankedTensorType::get(shape, x.getElementType()));
}
NN_INFER_GLUE(Conv2DOp)

FailureOr<Type> MaxPool2DOp::inferResultType(Loc loc, Adaptor a) {
  return inferPool(Checker{loc, "max_pool2d"}, a.getX(), Dtypes::Numeric,
                   a.getKernel(), a.getStride(), a.getPadding());
}
NN_INFER_GLUE(MaxPool2DOp)

FailureOr<Type> AvgPool2DOp::inferResultType(Loc loc, Adaptor a) {
  return inferPool(Checker{loc, "avg_pool2d"}, a.getX(), Dtypes::Float,
                   a.getKernel(), a.getStride(), a.getPadding());
}
NN_INFER_GLUE(AvgPool2DOp)

FailureOr<Type> GlobalAvgPoolOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "global_avg_pool"};
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Float);
  if (!x)
    return failure();
  if (x.getRank() != 4)
    return c.error("needs x [N, C, H, W]; got " + fmt(x));
  return Type(RankedTensorType::get({x.getDimSize(0), x.getDimSize(1)},
                                    x.getElementType()));
}
NN_INFER_GLUE(GlobalAvgPoolOp)

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

namespace {
/// Checks a target shape whose entries are sizes >= 0 or -1 (at most one
/// -1 when `oneWildcard`).
LogicalResult checkTargetShape(const Checker &c, ArrayRef<int64_t> shape,
                               bool oneWildcard) {
  if (llvm::any_of(shape, [](int64_t d) { return d < -1; }) ||
      (oneWildcard && llvm::count(shape, -1) > 1))
    return c.error("shape " + formatList(shape) + " may only hold sizes >= 0" +
                   (oneWildcard ? " and one -1" : " and -1"));
  return success();
}
} // namespace

FailureOr<Type> ReshapeOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "reshape"};
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Any);
  ArrayRef<int64_t> target = a.getShape();
  if (!x || failed(checkTargetShape(c, target, /*oneWildcard=*/true)))
    return failure();
  SmallVector<int64_t> shape(target);
  int64_t known = 1;
  for (int64_t d : target)
    if (d != -1 && llvm::MulOverflow(known, d, known))
      return c.error("shape " + formatList(target) + " has too many elements");
  auto *wildcard = llvm::find(shape, -1);
  if (!x.hasStaticShape()) {
    if (wildcard != shape.end())
      *wildcard = kDyn;
    return Type(RankedTensorType::get(shape, x.getElementType()));
  }
  std::optional<int64_t> elements = staticProduct(x.getShape());
  if (!elements)
    return c.error("cannot reshape " + fmt(x) + ": too many elements");
  int64_t count = *elements;
  if (wildcard != shape.end()) {
    if (known == 0 || count % known != 0)
      return c.error("cannot reshape " + fmt(x) + " (" + Twine(count) +
                     " elements) into " + formatList(target));
    *wildcard = count / known;
  } else if (known != count) {
    return c.error("cannot reshape " + fmt(x) + " (" + Twine(count) +
                   " elements) into " + formatList(target) + " (" +
                   Twine(known) + " elements)");
  }
  return Type(RankedTensorType::get(shape, x.getElementType()));
}
NN_INFER_GLUE(ReshapeOp)

FailureOr<Type> TransposeOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "transpose"};
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Any);
  if (!x)
    return failure();
  ArrayRef<int64_t> perm = a.getPerm();
  SmallVector<bool> seen(x.getRank(), false);
  bool valid = (int64_t)perm.size() == x.getRank();
  for (int64_t p : perm) {
    if (!valid || p < 0 || p >= x.getRank() || seen[p]) {
      valid = false;
      break;
    }
    seen[p] = true;
  }
  if (!valid)
    return c.error("needs perm to be a permutation of [0, " +
                   Twine(x.getRank()) + ") for " + fmt(x) + "; got " +
                   formatList(perm));
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(x.getDimSize(p));
  return Type(RankedTensorType::get(shape, x.getElementType()));
}
NN_INFER_GLUE(TransposeOp)

FailureOr<Type> FlattenOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "flatten"};
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Any);
  if (!x)
    return failure();
  int64_t axis = a.getAxis();
  if (axis < 0 || axis > x.getRank())
    return c.error("axis " + Twine(axis) + " is out of range [0, " +
                   Twine(x.getRank()) + "] for " + fmt(x));
  SmallVector<int64_t> shape;
  for (ArrayRef<int64_t> dims :
       {x.getShape().take_front(axis), x.getShape().drop_front(axis)}) {
    std::optional<int64_t> p = staticProduct(dims);
    if (!p && llvm::none_of(dims, isDyn))
      return c.error("cannot flatten " + fmt(x) + ": too many elements");
    shape.push_back(p ? *p : kDyn);
  }
  return Type(RankedTensorType::get(shape, x.getElementType()));
}
NN_INFER_GLUE(FlattenOp)

FailureOr<Type> ConcatOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "concat"};
  ValueRange inputs = a.getInputs();
  if (inputs.empty())
    return c.error("needs at least one input");
  RankedTensorType first = c.tensor(inputs.front(), "inputs", Dtypes::Any);
  int64_t axis = a.getAxis();
  if (!first || failed(c.axis(axis, first)))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  for (Value v : inputs.drop_front()) {
    RankedTensorType t = c.tensor(v, "inputs", Dtypes::Any);
    if (!t)
      return failure();
    if (t.getElementType() != first.getElementType() ||
        t.getRank() != first.getRank())
      return c.error("needs inputs of one dtype and rank; got " + fmt(first) +
                     " and " + fmt(t));
    for (int64_t i = 0; i < t.getRank(); ++i) {
      int64_t d = t.getDimSize(i);
      if (i == axis) {
        shape[i] = isDyn(shape[i]) || isDyn(d) ? kDyn : shape[i] + d;
        continue;
      }
      std::optional<int64_t> merged = mergeDim(shape[i], d);
      if (!merged)
        return c.error("needs inputs that agree outside axis " + Twine(axis) +
                       "; got " + fmt(first) + " and " + fmt(t));
      shape[i] = *merged;
    }
  }
  return Type(RankedTensorType::get(shape, first.getElementType()));
}
NN_INFER_GLUE(ConcatOp)

FailureOr<Type> SliceOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "slice"};
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Any);
  int64_t axis = a.getAxis();
  if (!x || failed(c.axis(axis, x)))
    return failure();
  int64_t step = a.getStep();
  if (step < 1)
    return c.error("step must be >= 1; got " + Twine(step));
  SmallVector<int64_t> shape(x.getShape());
  int64_t n = shape[axis];
  if (!isDyn(n)) {
    // Python's slice.indices for a positive step.
    auto clamp = [n](int64_t i) {
      if (i < 0)
        i = i < -n ? 0 : i + n;
      return std::min(i, n);
    };
    int64_t start = clamp(a.getStart()), end = clamp(a.getEnd());
    shape[axis] = end > start ? (end - start - 1) / step + 1 : 0;
  }
  return Type(RankedTensorType::get(shape, x.getElementType()));
}
NN_INFER_GLUE(SliceOp)

FailureOr<Type> BroadcastToOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "broadcast_to"};
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Any);
  ArrayRef<int64_t> target = a.getShape();
  if (!x || failed(checkTargetShape(c, target, /*oneWildcard=*/false)))
    return failure();
  int64_t rank = target.size();
  if (rank < x.getRank())
    return c.error("cannot broadcast " + fmt(x) + " to the shorter shape " +
                   formatList(target));
  SmallVector<int64_t> shape;
  int64_t offset = rank - x.getRank();
  for (int64_t i = 0; i < rank; ++i) {
    int64_t t = target[i];
    if (i < offset) {
      if (t == -1)
        return c.error("shape " + formatList(target) + " has -1 at " +
                       Twine(i) + ", where " + fmt(x) + " has no dim");
      shape.push_back(t);
      continue;
    }
    int64_t d = x.getDimSize(i - offset);
    if (t == -1) {
      shape.push_back(d);
      continue;
    }
    if (!isDyn(d) && d != t && d != 1)
      return c.error("cannot broadcast " + fmt(x) + " to " +
                     formatList(target) + " (dim " + Twine(d) + " vs " +
                     Twine(t) + ")");
    shape.push_back(t);
  }
  return Type(RankedTensorType::get(shape, x.getElementType()));
}
NN_INFER_GLUE(BroadcastToOp)

FailureOr<Type> GatherOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "gather"};
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Any);
  if (!x)
    return failure();
  RankedTensorType idx = c.tensor(a.getIndices(), "indices", Dtypes::Index);
  int64_t axis = a.getAxis();
  if (!idx || failed(c.axis(axis, x)))
    return failure();
  SmallVector<int64_t> shape(x.getShape().take_front(axis));
  llvm::append_range(shape, idx.getShape());
  llvm::append_range(shape, x.getShape().drop_front(axis + 1));
  return Type(RankedTensorType::get(shape, x.getElementType()));
}
NN_INFER_GLUE(GatherOp)

FailureOr<Type> EmbeddingOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "embedding"};
  RankedTensorType table = c.tensor(a.getTable(), "table", Dtypes::Any);
  if (!table)
    return failure();
  RankedTensorType ids = c.tensor(a.getIds(), "ids", Dtypes::Index);
  if (!ids)
    return failure();
  if (table.getRank() != 2)
    return c.error("needs table [V, D]; got " + fmt(table));
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(table.getDimSize(1));
  return Type(RankedTensorType::get(shape, table.getElementType()));
}
NN_INFER_GLUE(EmbeddingOp)

FailureOr<Type> ScatterAddOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "scatter_add"};
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Numeric);
  if (!x)
    return failure();
  RankedTensorType idx = c.tensor(a.getIndices(), "indices", Dtypes::Index);
  if (!idx)
    return failure();
  RankedTensorType updates = c.tensor(a.getUpdates(), "updates", Dtypes::Any);
  int64_t axis = a.getAxis();
  if (!updates || failed(c.axis(axis, x)) ||
      failed(c.sameDtype(x, updates, "x and updates")))
    return failure();
  // updates has the shape gather(x, indices, axis) gives.
  SmallVector<int64_t> shape(x.getShape().take_front(axis));
  llvm::append_range(shape, idx.getShape());
  llvm::append_range(shape, x.getShape().drop_front(axis + 1));
  if (!compatibleShapes(updates.getShape(), shape))
    return c.error("needs updates " +
                   fmt(RankedTensorType::get(shape, x.getElementType())) +
                   " (x.shape[:axis] + indices.shape + x.shape[axis+1:] for " +
                   fmt(x) + ", " + fmt(idx) + " and axis " + Twine(axis) +
                   "); got " + fmt(updates));
  return Type(x);
}
NN_INFER_GLUE(ScatterAddOp)
