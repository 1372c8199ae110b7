// ImportMath: ONNX's elementwise extras (Clip, logical ops, Mod, Floor/Ceil,
// Reciprocal, CastLike, Trilu, OneHot, Dropout at inference), reductions and
// ArgMax/ArgMin/Hardmax, each composed of nn ops.
#include "frontend/onnx/Importer.h"

#include "ir/NNOps.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <numeric>

namespace nnc::onnximport {

namespace {

/// The axes that a reduction from `in` to the declared `out` removed, when
/// the two shapes determine them; nullopt when they do not.
std::optional<std::vector<int64_t>> axesFromShapes(llvm::ArrayRef<int64_t> in,
                                                   llvm::ArrayRef<int64_t> out,
                                                   bool keepdims) {
  std::vector<int64_t> axes;
  if (keepdims) {
    if (in.size() != out.size())
      return std::nullopt;
    for (size_t d = 0; d < in.size(); ++d) {
      if (in[d] == out[d])
        continue;
      if (out[d] != 1)
        return std::nullopt;
      axes.push_back(d);
    }
    return axes;
  }
  // Without keepdims, every way of deleting dims of `in` that leaves `out`.
  size_t drop = in.size() - out.size();
  if (in.size() < out.size())
    return std::nullopt;
  std::optional<std::vector<int64_t>> found;
  std::vector<bool> mask(in.size(), false);
  std::fill(mask.begin(), mask.begin() + drop, true);
  do {
    std::vector<int64_t> kept, removed;
    for (size_t d = 0; d < in.size(); ++d)
      (mask[d] ? removed : kept).push_back(d);
    bool ok = true;
    for (size_t k = 0; ok && k < kept.size(); ++k)
      ok = in[kept[k]] == out[k];
    if (!ok)
      continue;
    if (found && *found != removed)
      return std::nullopt; // ambiguous
    found = removed;
  } while (std::prev_permutation(mask.begin(), mask.end()));
  return found;
}

double largestFraction(mlir::Type et) {
  // Floats at or above 2^(precision - 1) are whole numbers.
  const auto &sem = mlir::cast<mlir::FloatType>(et).getFloatSemantics();
  return std::ldexp(1.0, llvm::APFloat::semanticsPrecision(sem) - 1);
}

} // namespace

std::optional<bool> Importer::importMathOp(llvm::StringRef op) {
  static const llvm::StringMap<const char *> reductions = {
      {"ReduceSum", "nn.sum"},       {"ReduceMean", "nn.mean"},
      {"ReduceMax", "nn.max"},       {"ReduceMin", "nn.min"},
      {"ReduceL1", "nn.sum"},        {"ReduceL2", "nn.sum"},
      {"ReduceSumSquare", "nn.sum"}, {"ReduceLogSum", "nn.sum"},
      {"ReduceLogSumExp", "nn.sum"}, {"ReduceProd", ""}};
  if (auto it = reductions.find(op); it != reductions.end()) {
    bool axesInput = op == "ReduceSum" && opset >= 13;
    if (!(axesInput ? checkAttrs({"keepdims", "noop_with_empty_axes"})
                    : checkAttrs({"axes", "keepdims"})))
      return false;
    mlir::Value x = input(0);
    if (!x)
      return false;
    auto type = typeOf(x);
    int64_t rank = type.getRank();
    bool keep = attrInt("keepdims", 1);
    std::vector<int64_t> axes;
    if (axesInput && hasInput(1) && !known(1)) {
      // Axes computed at run time: the declared result shape tells them.
      auto out = declaredShape(node->output(0));
      auto found = out && type.hasStaticShape()
                       ? axesFromShapes(type.getShape(), *out, keep)
                       : std::nullopt;
      if (!found)
        return constInput(1).has_value();
      if (found->empty())
        return define(x);
      axes = *found;
    } else if (axesInput && hasInput(1)) {
      auto c = constInput(1);
      if (!c)
        return false;
      axes = *c;
      if (axes.empty() && attrInt("noop_with_empty_axes", 0))
        return define(x);
    } else if (auto a = attrInts("axes")) {
      axes = *a;
    } else if (axesInput && attrInt("noop_with_empty_axes", 0)) {
      return define(x);
    }
    for (int64_t &a : axes) {
      auto norm = axis(a, rank);
      if (!norm)
        return false;
      a = *norm;
    }
    llvm::sort(axes);
    axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
    if (axes.empty())
      for (int64_t d = 0; d < rank; ++d)
        axes.push_back(d);
    if (op == "ReduceProd") {
      // A product has no nn op: the reduced elements, moved to one trailing
      // dim, are multiplied slice by slice.
      std::vector<int64_t> perm, kept, keptShape;
      int64_t count = 1;
      for (int64_t d = 0; d < rank; ++d)
        if (!llvm::is_contained(axes, d)) {
          perm.push_back(d);
          keptShape.push_back(type.isDynamicDim(d) ? -1 : type.getDimSize(d));
        }
      for (int64_t a : axes) {
        if (type.isDynamicDim(a))
          return fail("needs static reduced dims, got " + nn::formatType(type));
        count *= type.getDimSize(a);
        perm.push_back(a);
      }
      if (count < 1 || count > 64)
        return fail("reduces " + std::to_string(count) +
                    " elements; nnc multiplies at most 64");
      kept = keptShape;
      kept.push_back(count);
      mlir::Value y = reshape(transpose(x, perm), kept);
      mlir::Value acc = slice(y, kept.size() - 1, 0, 1);
      for (int64_t k = 1; acc && k < count; ++k)
        acc = emit("nn.mul", {acc, slice(y, kept.size() - 1, k, k + 1)});
      llvm::SmallVector<int64_t> shape;
      for (int64_t d = 0; d < rank; ++d)
        if (!llvm::is_contained(axes, d))
          shape.push_back(type.isDynamicDim(d) ? -1 : type.getDimSize(d));
        else if (keep)
          shape.push_back(1);
      return define(reshape(acc, shape));
    }
    if (op == "ReduceL1")
      x = emit("nn.abs", {x});
    else if (op == "ReduceL2" || op == "ReduceSumSquare")
      x = emit("nn.mul", {x, x});
    if (op == "ReduceLogSumExp") {
      // log(sum(exp(x - m))) + m with m the maximum, so that exp stays finite.
      mlir::Value m = reduce("nn.max", x, axes, true);
      mlir::Value e = m ? emit("nn.exp", {emit("nn.sub", {x, m})}) : m;
      mlir::Value s = e ? emit("nn.log", {reduce("nn.sum", e, axes, keep)}) : e;
      mlir::Value mk = s && !keep ? reduce("nn.max", x, axes, false) : m;
      return s && mk && define(emit("nn.add", {s, mk}));
    }
    mlir::Value y = x ? reduce(it->second, x, axes, keep) : x;
    if (y && op == "ReduceL2")
      y = emit("nn.sqrt", {y});
    if (y && op == "ReduceLogSum")
      y = emit("nn.log", {y});
    return define(y);
  }

  if (op == "ArgMax" || op == "ArgMin") {
    mlir::Value x = checkAttrs({"axis", "keepdims", "select_last_index"})
                        ? input(0)
                        : mlir::Value();
    if (!x)
      return false;
    auto type = typeOf(x);
    auto a = axis(attrInt("axis", 0), type.getRank());
    if (!a)
      return false;
    if (op == "ArgMin")
      x = emit("nn.neg", {x});
    bool last = attrInt("select_last_index", 0);
    int64_t n = type.getDimSize(*a);
    if (last) {
      // The last extremum is the first one of the reversed axis.
      if (type.isDynamicDim(*a))
        return fail("select_last_index needs a static dim, got " +
                    nn::formatType(type));
      std::vector<int64_t> rev(n);
      std::iota(rev.rbegin(), rev.rend(), 0);
      x = take(x, *a, rev);
    }
    mlir::Value i =
        x ? emit("nn.argmax", {x},
                 {namedI64("axis", *a),
                  named("keepdims",
                        builder.getBoolAttr(attrInt("keepdims", 1)))})
          : x;
    if (i && last)
      i = emit("nn.sub", {scalar(builder.getI64Type(), n - 1), i});
    return define(i);
  }

  if (op == "Hardmax") {
    mlir::Value x = checkAttrs({"axis"}) ? input(0) : mlir::Value();
    if (!x)
      return false;
    auto type = typeOf(x);
    auto a = axis(attrInt("axis", opset < 13 ? 1 : -1), type.getRank());
    if (!a)
      return false;
    mlir::Value v = x;
    int64_t along = *a;
    if (opset < 13) {
      // Before opset 13 the input is coerced to 2-D at `axis`.
      if (!needStatic(type, "Hardmax"))
        return false;
      v = emit("nn.flatten", {x}, {namedI64("axis", *a)});
      along = 1;
    }
    auto vt = v ? typeOf(v) : type;
    if (!v || vt.isDynamicDim(along))
      return v ? fail("needs a static dim on the axis") : false;
    int64_t n = vt.getDimSize(along);
    std::vector<int64_t> iota(n), shape(vt.getRank(), 1);
    std::iota(iota.begin(), iota.end(), 0);
    shape[along] = n;
    mlir::Value i = emit("nn.argmax", {v},
                         {namedI64("axis", along),
                          named("keepdims", builder.getBoolAttr(true))});
    mlir::Value y =
        cast(compare("eq", i, i64s(iota, shape)), vt.getElementType());
    return define(opset < 13 && y ? reshapeTo(y, type) : y);
  }

  if (op == "Clip") {
    bool attrs = opset < 11;
    if (!(attrs ? checkAttrs({"min", "max"}) : checkAttrs({})))
      return false;
    mlir::Value x = input(0);
    if (!x)
      return false;
    mlir::Type et = typeOf(x).getElementType();
    mlir::Value lo, hi;
    if (attrs) {
      if (attr("min"))
        lo = scalar(et, attrFloat("min", 0));
      if (attr("max"))
        hi = scalar(et, attrFloat("max", 0));
    } else {
      if (hasInput(1) && !(lo = input(1)))
        return false;
      if (hasInput(2) && !(hi = input(2)))
        return false;
    }
    if (lo)
      x = emit("nn.maximum", {x, lo});
    if (x && hi)
      x = emit("nn.minimum", {x, hi});
    return define(x);
  }

  if (op == "And" || op == "Or" || op == "Xor" || op == "Not") {
    if (!checkAttrs({}))
      return false;
    mlir::Value a = input(0);
    mlir::Value b = a && op != "Not" ? input(1) : mlir::Value();
    if (!a || (op != "Not" && !b))
      return false;
    mlir::Type i1 = builder.getI1Type();
    if (op == "Not")
      return define(compare("eq", a, scalar(i1, 0)));
    if (op == "Xor")
      return define(compare("ne", a, b));
    if (op == "And")
      return define(emit("nn.where", {a, b, scalar(i1, 0)}));
    return define(emit("nn.where", {a, scalar(i1, 1), b}));
  }

  if (op == "Mod") {
    mlir::Value a = checkAttrs({"fmod"}) ? input(0) : mlir::Value();
    mlir::Value b = a ? input(1) : mlir::Value();
    if (!b)
      return false;
    mlir::Type et = typeOf(a).getElementType();
    bool isFloat = mlir::isa<mlir::FloatType>(et);
    bool fmod = attrInt("fmod", 0);
    if (isFloat && !fmod)
      return fail("float Mod needs fmod=1");
    // The truncated remainder a - trunc(a / b) * b (C's fmod and %).
    mlir::Value q = emit("nn.div", {a, b});
    if (q && isFloat)
      q = cast(cast(q, builder.getI64Type()), et);
    mlir::Value r = q ? emit("nn.sub", {a, emit("nn.mul", {q, b})}) : q;
    if (!r || fmod)
      return define(r);
    // Python's mod takes the sign of the divisor.
    mlir::Value zero = scalar(et, 0);
    mlir::Value differ =
        compare("ne", compare("lt", r, zero), compare("lt", b, zero));
    mlir::Value fix = differ
                          ? emit("nn.where", {compare("ne", r, zero), differ,
                                              scalar(builder.getI1Type(), 0)})
                          : differ;
    return fix && define(emit("nn.where", {fix, emit("nn.add", {r, b}), r}));
  }

  if (op == "Floor" || op == "Ceil") {
    mlir::Value x = checkAttrs({}) ? input(0) : mlir::Value();
    if (!x)
      return false;
    mlir::Type et = typeOf(x).getElementType();
    if (!mlir::isa<mlir::FloatType>(et))
      return fail("needs a float input, got " + nn::formatType(typeOf(x)));
    // floor(x) = t - (t > x) with t = x truncated through i64; from
    // 2^(precision-1) on, and for inf and NaN, x is its own floor.
    mlir::Value v = op == "Ceil" ? emit("nn.neg", {x}) : x;
    mlir::Value t = cast(cast(v, builder.getI64Type()), et);
    mlir::Value f = t ? emit("nn.sub", {t, cast(compare("gt", t, v), et)}) : t;
    mlir::Value small =
        f ? compare("lt", emit("nn.abs", {v}), scalar(et, largestFraction(et)))
          : f;
    mlir::Value y = small ? emit("nn.where", {small, f, v}) : small;
    return define(y && op == "Ceil" ? emit("nn.neg", {y}) : y);
  }

  if (op == "Reciprocal") {
    mlir::Value x = checkAttrs({}) ? input(0) : mlir::Value();
    return x &&
           define(emit("nn.div", {scalar(typeOf(x).getElementType(), 1), x}));
  }

  if (op == "CastLike") {
    mlir::Value x = checkAttrs({}) ? input(0) : mlir::Value();
    mlir::Value like = x ? input(1) : x;
    return like && define(emit("nn.cast", {x}, {},
                               typeOf(x).clone(typeOf(like).getElementType())));
  }

  if (op == "Trilu") {
    mlir::Value x = checkAttrs({"upper"}) ? input(0) : mlir::Value();
    if (!x)
      return false;
    auto type = typeOf(x);
    int64_t rank = type.getRank();
    if (rank < 2 || type.isDynamicDim(rank - 1) || type.isDynamicDim(rank - 2))
      return fail("needs rank >= 2 with static last two dims, got " +
                  nn::formatType(type));
    int64_t n = type.getDimSize(rank - 2), m = type.getDimSize(rank - 1);
    if (n * m > (int64_t(1) << 24))
      return fail("a " + std::to_string(n) + "x" + std::to_string(m) +
                  " matrix is too large for the mask nnc builds");
    // Keep x[i, j] where j - i >= k (upper) or j - i <= k (lower).
    std::vector<int64_t> diff;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j)
        diff.push_back(j - i);
    mlir::Value k = hasInput(1) ? cast(input(1), builder.getI64Type())
                                : scalar(builder.getI64Type(), 0);
    if (!k)
      return false;
    if (typeOf(k).getRank() != 0)
      k = reshape(k, {});
    mlir::Value keep =
        compare(attrInt("upper", 1) ? "ge" : "le", i64s(diff, {n, m}), k);
    return keep && define(emit("nn.where",
                               {keep, x, scalar(type.getElementType(), 0)}));
  }

  if (op == "OneHot") {
    mlir::Value idx = checkAttrs({"axis"}) ? input(0) : mlir::Value();
    mlir::Value values = idx ? input(2) : idx;
    if (!values)
      return false;
    auto type = typeOf(idx);
    int64_t rank = type.getRank() + 1;
    auto a = axis(attrInt("axis", -1), rank);
    if (!a)
      return false;
    int64_t depth;
    if (const Tensor *d = known(1)) {
      Host h = toHost(*d);
      if (h.size() != 1)
        return fail("depth must hold one element");
      depth = int64_t(h.at(0));
    } else if (auto out = declaredShape(node->output(0));
               out && int64_t(out->size()) == rank) {
      depth = (*out)[*a]; // depth at run time: the declared result has it
    } else {
      return fail("input 1 ('depth') must be a constant, or the result's "
                  "shape declared");
    }
    if (depth < 1 || depth > (int64_t(1) << 24))
      return fail("depth " + std::to_string(depth) + " is out of range");
    // Indices (of any numeric type) as i64, negative ones from the end.
    mlir::Type i64 = builder.getI64Type();
    mlir::Value i = cast(idx, i64);
    mlir::Value neg = compare("lt", i, scalar(i64, 0));
    i = neg ? emit("nn.where",
                   {neg, emit("nn.add", {i, scalar(i64, depth)}), i})
            : neg;
    llvm::SmallVector<int64_t> shape;
    for (int64_t d : type.getShape())
      shape.push_back(d == mlir::ShapedType::kDynamic ? -1 : d);
    shape.insert(shape.begin() + *a, 1);
    std::vector<int64_t> iota(depth), iotaShape(rank, 1);
    std::iota(iota.begin(), iota.end(), 0);
    iotaShape[*a] = depth;
    mlir::Value hot = compare("eq", reshape(i, shape), i64s(iota, iotaShape));
    mlir::Value off = reshape(slice(values, 0, 0, 1), {});
    mlir::Value on = reshape(slice(values, 0, 1, 2), {});
    return hot && off && on && define(emit("nn.where", {hot, on, off}));
  }

  if (op == "Dropout") {
    // Inference only: the identity, and a mask of all true.
    bool training = false;
    if (opset < 7) {
      if (!checkAttrs({"is_test", "ratio"}))
        return false;
      training = !attrInt("is_test", 0);
    } else if (opset < 12) {
      if (!checkAttrs({"ratio", "seed"}))
        return false;
    } else {
      if (!checkAttrs({"seed"}))
        return false;
      if (hasInput(2)) {
        const Tensor *t = known(2);
        if (!t)
          return fail("input 2 ('training_mode') must be a constant");
        training = toHost(*t).at(0) != 0;
      }
      if (training && known(1) && toHost(*known(1)).at(0) == 0)
        training = false; // ratio 0 drops nothing
    }
    if (training)
      return fail("training-mode Dropout (a random mask) is not supported");
    mlir::Value x = input(0);
    if (!x)
      return false;
    mlir::Value mask;
    if (wantsOutput(1)) {
      if (!needStatic(typeOf(x), "the mask output"))
        return false;
      // Before opset 10 the mask has the data's dtype.
      mask = splat(opset < 10 ? typeOf(x).getElementType()
                              : mlir::Type(builder.getI1Type()),
                   1, typeOf(x).getShape());
    }
    return defineAll({x, mask});
  }

  return std::nullopt;
}

} // namespace nnc::onnximport
