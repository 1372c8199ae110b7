// ImportShape: ONNX's shape operators (Reshape, Squeeze, Slice, Gather,
// GatherElements, Split, Pad, DepthToSpace, ...) and the op-building
// shorthands every operator family uses. An operator whose data input is
// known at import moves the known bytes instead (ImportFold.cpp).
#include "frontend/onnx/Importer.h"

#include "ir/NNOps.h"

#include "llvm/ADT/STLExtras.h"

#include <cstring>
#include <limits>
#include <numeric>

namespace nnc::onnximport {

namespace {

/// Elements of `t` moved: result element k is `t`'s element `map[k]`.
Tensor moveElements(const Tensor &t, llvm::ArrayRef<int64_t> shape,
                    llvm::ArrayRef<int64_t> map) {
  int64_t size = elementBytes(t.type.getElementType());
  Tensor out{mlir::RankedTensorType::get(shape, t.type.getElementType()), {}};
  out.bytes.resize(map.size() * size);
  for (size_t k = 0; k < map.size(); ++k)
    std::memcpy(out.bytes.data() + k * size, t.bytes.data() + map[k] * size,
                size);
  return out;
}

/// `t` taken at `idx` along `axis` (idx already normalized and in range).
Tensor takeKnown(const Tensor &t, int64_t axis, llvm::ArrayRef<int64_t> idx) {
  llvm::SmallVector<int64_t> shape(t.type.getShape());
  int64_t outer = product(llvm::ArrayRef<int64_t>(shape).take_front(axis));
  int64_t inner = product(llvm::ArrayRef<int64_t>(shape).drop_front(axis + 1));
  int64_t dim = shape[axis];
  shape[axis] = idx.size();
  std::vector<int64_t> map;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j : idx)
      for (int64_t i = 0; i < inner; ++i)
        map.push_back((o * dim + j) * inner + i);
  return moveElements(t, shape, map);
}

Tensor retype(const Tensor &t, llvm::ArrayRef<int64_t> shape) {
  return {mlir::RankedTensorType::get(shape, t.type.getElementType()), t.bytes};
}

/// The indices a Slice with these (ONNX) parameters takes from a dim.
std::vector<int64_t> sliceIndices(int64_t dim, int64_t start, int64_t end,
                                  int64_t step) {
  auto clampTo = [](int64_t v, int64_t lo, int64_t hi) {
    return std::min(std::max(v, lo), hi);
  };
  if (start < 0)
    start = start <= std::numeric_limits<int64_t>::min() / 2 ? -1 - dim
                                                             : start + dim;
  if (end < 0)
    end = end <= std::numeric_limits<int64_t>::min() / 2 ? -1 - dim : end + dim;
  std::vector<int64_t> idx;
  if (step > 0) {
    start = clampTo(start, 0, dim);
    end = clampTo(end, 0, dim);
    for (int64_t i = start; i < end; i += step)
      idx.push_back(i);
  } else {
    start = clampTo(start, -1, dim - 1);
    end = clampTo(end, -1, dim - 1);
    for (int64_t i = start; i > end; i += step)
      idx.push_back(i);
  }
  return idx;
}

} // namespace
//===- Building ops
//--------------------------------------------------------===//

mlir::Value Importer::reshape(mlir::Value x, llvm::ArrayRef<int64_t> shape) {
  if (!x)
    return {};
  return emit("nn.reshape", {x}, {namedI64s("shape", shape)});
}

mlir::RankedTensorType Importer::inputType(int i) {
  if (const Tensor *t = known(i))
    return t->type;
  mlir::Value v = input(i);
  return v ? typeOf(v) : nullptr;
}

mlir::Value Importer::transpose(mlir::Value x, llvm::ArrayRef<int64_t> perm) {
  if (!x)
    return {};
  return emit("nn.transpose", {x}, {namedI64s("perm", perm)});
}

mlir::Value Importer::slice(mlir::Value x, int64_t axis, int64_t start,
                            int64_t end, int64_t step) {
  if (!x)
    return {};
  return emit("nn.slice", {x},
              {namedI64("axis", axis), namedI64("start", start),
               namedI64("end", end), namedI64("step", step)});
}

mlir::Value Importer::take(mlir::Value x, int64_t axis,
                           llvm::ArrayRef<int64_t> idx) {
  mlir::Value i = x ? i64s(idx, {int64_t(idx.size())}) : mlir::Value();
  return i ? emit("nn.gather", {x, i}, {namedI64("axis", axis)})
           : mlir::Value();
}

mlir::Value Importer::compare(llvm::StringRef predicate, mlir::Value a,
                              mlir::Value b) {
  if (!a || !b)
    return {};
  return emit("nn.compare", {a, b},
              {named("predicate", builder.getStringAttr(predicate))});
}

mlir::Value Importer::cast(mlir::Value x, mlir::Type et) {
  if (!x || typeOf(x).getElementType() == et)
    return x;
  return emit("nn.cast", {x}, {}, typeOf(x).clone(et));
}

mlir::Value Importer::reduce(llvm::StringRef op, mlir::Value x,
                             llvm::ArrayRef<int64_t> axes, bool keepdims) {
  if (!x)
    return {};
  return emit(op, {x},
              {namedI64s("axes", axes),
               named("keepdims", builder.getBoolAttr(keepdims))});
}

mlir::Value Importer::i64s(llvm::ArrayRef<int64_t> values,
                           llvm::ArrayRef<int64_t> shape) {
  Host h;
  h.shape.assign(shape.begin(), shape.end());
  h.dtype = builder.getI64Type();
  h.i.assign(values.begin(), values.end());
  return constant(fromHost(h));
}

mlir::Value Importer::splat(mlir::Type et, double v,
                            llvm::ArrayRef<int64_t> shape) {
  auto type = mlir::RankedTensorType::get(shape, et);
  mlir::Attribute a = mlir::isa<mlir::FloatType>(et)
                          ? mlir::Attribute(builder.getFloatAttr(et, v))
                          : mlir::Attribute(builder.getIntegerAttr(et, v));
  return emit("nn.constant", {},
              {named("value", mlir::DenseElementsAttr::get(type, a))});
}

mlir::Value Importer::padConstant(mlir::Value x, llvm::ArrayRef<int64_t> before,
                                  llvm::ArrayRef<int64_t> after, double value) {
  for (size_t a = 0; x && a < before.size(); ++a) {
    auto type = typeOf(x);
    if (before[a] < 0 || after[a] < 0) {
      if (type.isDynamicDim(a))
        return fail("negative pads need a static dim"), mlir::Value();
      x = slice(x, a, std::max<int64_t>(-before[a], 0),
                type.getDimSize(a) - std::max<int64_t>(-after[a], 0));
      type = x ? typeOf(x) : type;
    }
    if (!x || (before[a] <= 0 && after[a] <= 0))
      continue;
    if (!needStatic(type, "padding"))
      return {};
    llvm::SmallVector<mlir::Value> parts;
    llvm::SmallVector<int64_t> shape(type.getShape());
    for (int64_t n : {before[a], int64_t(-1), after[a]}) {
      if (n == 0)
        continue;
      if (n < 0) {
        parts.push_back(x);
        continue;
      }
      shape[a] = n;
      parts.push_back(splat(type.getElementType(), value, shape));
    }
    x = emit("nn.concat", parts, {namedI64("axis", a)});
  }
  return x;
}

//===- Shape operators
//-----------------------------------------------------===//

std::optional<bool> Importer::importShapeOp(llvm::StringRef op) {
  // Reshape-like ops: a new static shape for the same elements.
  auto reshapeOrFold = [&](llvm::ArrayRef<int64_t> shape) {
    if (const Tensor *t = known(0))
      if (llvm::none_of(shape, [](int64_t d) { return d < 0; })) {
        if (product(shape) != product(t->type.getShape()))
          return fail("cannot reshape " + nn::formatType(t->type) + " to " +
                      std::to_string(shape.size()) + "-D shape of " +
                      std::to_string(product(shape)) + " elements");
        return defineKnown(retype(*t, shape));
      }
    mlir::Value x = input(0);
    if (!x)
      return false;
    if (llvm::count(shape, -1) > 1)
      return fail("reshape to a shape with several unknown dimensions is "
                  "not supported");
    return define(reshape(x, shape));
  };

  if (op == "Reshape") {
    auto in = checkAttrs({"allowzero"}) ? inputType(0) : nullptr;
    if (!in)
      return false;
    std::vector<int64_t> shape;
    if (known(1)) {
      auto c = constInput(1);
      if (!c)
        return false;
      shape = *c;
    } else if (auto d = declaredShape(node->output(0))) {
      // A shape computed at run time: the model declares the result.
      shape.assign(d->begin(), d->end());
    } else {
      return constInput(1).has_value();
    }
    bool allowZero = attrInt("allowzero", 0);
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t &d = shape[i];
      if (d != 0 || allowZero)
        continue;
      if (int64_t(i) >= in.getRank())
        return fail("shape has 0 at " + std::to_string(i) +
                    " beyond the input's rank");
      d = in.isDynamicDim(i) ? -1 : in.getDimSize(i);
    }
    if (in.hasStaticShape() && llvm::count(shape, -1) == 1) {
      int64_t rest = -product(shape);
      if (rest > 0 && in.getNumElements() % rest == 0)
        *llvm::find(shape, -1) = in.getNumElements() / rest;
    }
    return reshapeOrFold(shape);
  }

  if (op == "Flatten") {
    auto type = checkAttrs({"axis"}) ? inputType(0) : nullptr;
    auto a =
        type ? axis(attrInt("axis", 1), type.getRank(), true) : std::nullopt;
    if (!a)
      return false;
    if (known(0))
      return reshapeOrFold({product(type.getShape().take_front(*a)),
                            product(type.getShape().drop_front(*a))});
    mlir::Value x = input(0);
    return x && define(emit("nn.flatten", {x}, {namedI64("axis", *a)}));
  }

  if (op == "Squeeze" || op == "Unsqueeze") {
    bool axesInput = opset >= 13;
    if (!(axesInput ? checkAttrs({}) : checkAttrs({"axes"})))
      return false;
    auto type = inputType(0);
    if (!type)
      return false;
    std::optional<std::vector<int64_t>> axes;
    if (axesInput && hasInput(1) && !known(1))
      if (auto d = declaredShape(node->output(0)))
        return reshapeOrFold(*d); // axes at run time: the declared result
    if (axesInput && hasInput(1))
      axes = constInput(1);
    else if (!axesInput)
      axes = attrInts("axes");
    if (!axes && !error.empty())
      return false;
    llvm::SmallVector<int64_t> shape(type.getShape());
    if (op == "Unsqueeze") {
      if (!axes)
        return fail("needs axes");
      int64_t rank = shape.size() + axes->size();
      llvm::SmallVector<int64_t> norm;
      for (int64_t a : *axes) {
        auto n = axis(a, rank);
        if (!n)
          return false;
        norm.push_back(*n);
      }
      llvm::sort(norm);
      if (std::adjacent_find(norm.begin(), norm.end()) != norm.end())
        return fail("axes must not repeat");
      for (int64_t a : norm)
        shape.insert(shape.begin() + a, 1);
    } else {
      llvm::SmallVector<bool> drop(shape.size(), false);
      if (!axes) {
        for (size_t d = 0; d < shape.size(); ++d) {
          if (type.isDynamicDim(d))
            return fail("Squeeze without axes needs static dims, got " +
                        nn::formatType(type));
          drop[d] = shape[d] == 1;
        }
      }
      for (int64_t a : axes ? *axes : std::vector<int64_t>()) {
        auto n = axis(a, shape.size());
        if (!n)
          return false;
        if (!type.isDynamicDim(*n) && shape[*n] != 1)
          return fail("cannot squeeze dim " + std::to_string(*n) + " of " +
                      nn::formatType(type));
        drop[*n] = true;
      }
      llvm::SmallVector<int64_t> kept;
      for (size_t d = 0; d < shape.size(); ++d)
        if (!drop[d])
          kept.push_back(shape[d]);
      shape = kept;
    }
    for (int64_t &d : shape)
      if (d == mlir::ShapedType::kDynamic)
        d = -1;
    return reshapeOrFold(shape);
  }

  if (op == "Concat") {
    if (!checkAttrs({"axis"}))
      return false;
    if (!attr("axis") && opset < 4)
      return fail("needs the axis attribute");
    if (node->input_size() == 0)
      return fail("needs at least one input");
    bool allKnown = true;
    llvm::SmallVector<mlir::RankedTensorType> types;
    for (int i = 0; i < node->input_size(); ++i) {
      allKnown &= known(i) != nullptr;
      if (auto t = inputType(i))
        types.push_back(t);
      else
        return false;
    }
    auto a = axis(attrInt("axis", 0), types[0].getRank());
    if (!a)
      return false;
    if (allKnown) {
      llvm::SmallVector<int64_t> shape(types[0].getShape());
      shape[*a] = 0;
      for (auto t : types) {
        if (t.getRank() != int64_t(shape.size()) ||
            t.getElementType() != types[0].getElementType())
          return fail("inputs differ in rank or dtype");
        for (int64_t d = 0; d < t.getRank(); ++d)
          if (d != *a && t.getDimSize(d) != shape[d])
            return fail("inputs differ outside the axis");
        shape[*a] += t.getDimSize(*a);
      }
      int64_t outer = product(llvm::ArrayRef<int64_t>(shape).take_front(*a));
      int64_t size = elementBytes(types[0].getElementType());
      Tensor out{mlir::RankedTensorType::get(shape, types[0].getElementType()),
                 {}};
      for (int64_t o = 0; o < outer; ++o)
        for (int i = 0; i < node->input_size(); ++i) {
          const Tensor *t = known(i);
          int64_t chunk = product(t->type.getShape().drop_front(*a)) * size;
          out.bytes.insert(out.bytes.end(), t->bytes.begin() + o * chunk,
                           t->bytes.begin() + (o + 1) * chunk);
        }
      return defineKnown(out);
    }
    llvm::SmallVector<mlir::Value> xs;
    for (int i = 0; i < node->input_size(); ++i) {
      if (types[i].getDimSize(*a) == 0)
        continue; // ONNX allows empty inputs; nn.concat needs none.
      mlir::Value x = input(i);
      if (!x)
        return false;
      xs.push_back(x);
    }
    if (xs.empty())
      return fail("all inputs are empty");
    if (xs.size() == 1)
      return define(xs[0]);
    return define(emit("nn.concat", xs, {namedI64("axis", *a)}));
  }

  if (op == "Gather") {
    if (!checkAttrs({"axis"}))
      return false;
    const Tensor *data = known(0), *idx = known(1);
    auto type = inputType(0);
    if (!type)
      return false;
    auto a = axis(attrInt("axis", 0), type.getRank());
    if (!a)
      return false;
    if (data && idx && !type.isDynamicDim(*a)) {
      auto ids = ints(*idx);
      if (!ids)
        return false;
      int64_t dim = type.getDimSize(*a);
      for (int64_t &i : *ids) {
        if (i < -dim || i >= dim)
          return fail("index " + std::to_string(i) + " is out of range");
        i = i < 0 ? i + dim : i;
      }
      Tensor t = takeKnown(*data, *a, *ids);
      llvm::SmallVector<int64_t> shape(type.getShape().take_front(*a));
      llvm::append_range(shape, idx->type.getShape());
      llvm::append_range(shape, type.getShape().drop_front(*a + 1));
      return defineKnown(retype(t, shape));
    }
    mlir::Value x = input(0);
    mlir::Value i = x ? input(1) : x;
    return i && define(emit("nn.gather", {x, i}, {namedI64("axis", *a)}));
  }

  if (op == "GatherElements") {
    mlir::Value x = checkAttrs({"axis"}) ? input(0) : mlir::Value();
    mlir::Value idx = x ? input(1) : x;
    if (!idx)
      return false;
    auto xt = typeOf(x), it = typeOf(idx);
    int64_t rank = xt.getRank();
    auto a = axis(attrInt("axis", 0), rank);
    if (!a)
      return false;
    if (it.getRank() != rank || xt.isDynamicDim(*a))
      return fail("needs indices of the data's rank and a static dim on the "
                  "axis, got " +
                  nn::formatType(xt) + " and " + nn::formatType(it));
    // result[.., j, ..] = x[.., idx[.., j, ..], ..]: a one-hot match of the
    // indices against [0, n) on a new dim after `axis`, selected and summed.
    for (int64_t d = 0; d < rank; ++d)
      if (d != *a && xt.getDimSize(d) != it.getDimSize(d)) {
        if (xt.isDynamicDim(d) || it.isDynamicDim(d))
          return fail("needs matching dims outside the axis");
        x = slice(x, d, 0, it.getDimSize(d));
      }
    int64_t n = xt.getDimSize(*a);
    mlir::Type i64 = builder.getI64Type();
    mlir::Value i = cast(idx, i64);
    mlir::Value neg = compare("lt", i, scalar(i64, 0));
    i = neg ? emit("nn.where", {neg, emit("nn.add", {i, scalar(i64, n)}), i})
            : neg;
    auto dims = [](mlir::RankedTensorType t, int64_t at) {
      llvm::SmallVector<int64_t> s;
      for (int64_t d : t.getShape())
        s.push_back(d == mlir::ShapedType::kDynamic ? -1 : d);
      s.insert(s.begin() + at, 1);
      return s;
    };
    std::vector<int64_t> iota(n), iotaShape(rank + 1, 1);
    std::iota(iota.begin(), iota.end(), 0);
    iotaShape[*a + 1] = n;
    mlir::Value hot =
        i ? compare("eq", reshape(i, dims(it, *a + 1)), i64s(iota, iotaShape))
          : i;
    mlir::Value picked =
        hot && x ? emit("nn.where", {hot, reshape(x, dims(typeOf(x), *a)),
                                     scalar(xt.getElementType(), 0)})
                 : mlir::Value();
    return define(reduce("nn.sum", picked, {*a + 1}, false));
  }

  if (op == "Slice") {
    std::vector<int64_t> starts, ends, axes, steps;
    if (opset < 10) {
      if (!checkAttrs({"starts", "ends", "axes"}))
        return false;
      starts = attrInts("starts").value_or(std::vector<int64_t>());
      ends = attrInts("ends").value_or(std::vector<int64_t>());
      axes = attrInts("axes").value_or(std::vector<int64_t>());
    } else {
      if (!checkAttrs({}))
        return false;
      std::vector<int64_t> *lists[] = {&starts, &ends, &axes, &steps};
      for (auto [i, v] : llvm::enumerate(lists)) {
        if (!hasInput(i + 1))
          continue;
        auto c = constInput(i + 1);
        if (!c)
          return false;
        *v = *c;
      }
    }
    const Tensor *data = known(0);
    auto type = inputType(0);
    mlir::Value x = data || !type ? mlir::Value() : input(0);
    if (!type || (!data && !x))
      return false;
    if (axes.empty())
      for (size_t i = 0; i < starts.size(); ++i)
        axes.push_back(i);
    if (steps.empty())
      steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
      return fail("starts, ends, axes and steps differ in length");
    Tensor t = data ? *data : Tensor();
    for (size_t k = 0; k < starts.size(); ++k) {
      auto a = axis(axes[k], type.getRank());
      if (!a)
        return false;
      if (steps[k] == 0)
        return fail("steps must not be 0");
      if (steps[k] > 0 && !data) {
        x = slice(x, *a, starts[k], ends[k], steps[k]);
        if (!x)
          return false;
        continue;
      }
      auto cur = data ? t.type : typeOf(x);
      if (cur.isDynamicDim(*a))
        return fail("a negative step needs a static dim, got " +
                    nn::formatType(cur));
      auto idx = sliceIndices(cur.getDimSize(*a), starts[k], ends[k], steps[k]);
      if (data)
        t = takeKnown(t, *a, idx);
      else if (idx.empty())
        return fail("an empty slice is not supported");
      else if (!(x = take(x, *a, idx)))
        return false;
    }
    return data ? defineKnown(t) : define(x);
  }

  if (op == "Split") {
    if (!(opset >= 13 ? checkAttrs({"axis"}) : checkAttrs({"axis", "split"})))
      return false;
    mlir::Value x = input(0);
    if (!x)
      return false;
    auto type = typeOf(x);
    auto a = axis(attrInt("axis", 0), type.getRank());
    if (!a)
      return false;
    std::vector<int64_t> sizes;
    if (opset >= 13 && hasInput(1) && !known(1)) {
      // Sizes at run time: the declared results have them.
      for (int i = 0; i < node->output_size(); ++i) {
        auto d = declaredShape(node->output(i));
        if (!d || int64_t(d->size()) != type.getRank())
          return constInput(1).has_value();
        sizes.push_back((*d)[*a]);
      }
    } else if (opset >= 13 && hasInput(1)) {
      auto c = constInput(1);
      if (!c)
        return false;
      sizes = *c;
    } else if (auto s = attrInts("split")) {
      sizes = *s;
    } else {
      int64_t parts = node->output_size();
      if (type.isDynamicDim(*a) || type.getDimSize(*a) % parts)
        return fail("an equal split needs a static dim divisible by " +
                    std::to_string(parts) + ", got " + nn::formatType(type));
      sizes.assign(parts, type.getDimSize(*a) / parts);
    }
    if (int64_t(sizes.size()) != node->output_size())
      return fail("split has " + std::to_string(sizes.size()) + " sizes for " +
                  std::to_string(node->output_size()) + " outputs");
    llvm::SmallVector<mlir::Value> outs;
    int64_t start = 0;
    for (int64_t s : sizes) {
      if (s <= 0)
        return fail("split sizes must be positive");
      outs.push_back(slice(x, *a, start, start + s));
      start += s;
      if (!outs.back())
        return false;
    }
    return defineAll(outs);
  }

  if (op == "Expand") {
    mlir::Value x = checkAttrs({}) ? input(0) : mlir::Value();
    auto shape = x ? constInput(1) : std::nullopt;
    if (!shape)
      return false;
    llvm::SmallVector<int64_t> in;
    for (int64_t d : typeOf(x).getShape())
      in.push_back(d == mlir::ShapedType::kDynamic ? -1 : d);
    // Expand broadcasts both ways: a 1 in `shape` keeps the input's dim.
    size_t rank = std::max(in.size(), shape->size());
    llvm::SmallVector<int64_t> out(rank);
    for (size_t i = 0; i < rank; ++i) {
      int64_t s =
          i + shape->size() >= rank ? (*shape)[i + shape->size() - rank] : 1;
      int64_t d = i + in.size() >= rank ? in[i + in.size() - rank] : 1;
      out[i] = s == 1 ? d : s;
    }
    return define(emit("nn.broadcast_to", {x}, {namedI64s("shape", out)}));
  }

  if (op == "Tile") {
    mlir::Value x = checkAttrs({}) ? input(0) : mlir::Value();
    if (!x)
      return false;
    std::optional<std::vector<int64_t>> repeats;
    auto out = declaredShape(node->output(0));
    if (hasInput(1) && !known(1) && out && typeOf(x).hasStaticShape() &&
        int64_t(out->size()) == typeOf(x).getRank()) {
      // Repeats at run time: the declared result over the input's shape.
      repeats.emplace();
      for (auto [o, d] : llvm::zip(*out, typeOf(x).getShape()))
        repeats->push_back(d && o % d == 0 ? o / d : 0);
    } else {
      repeats = constInput(1);
    }
    if (!repeats)
      return false;
    if (int64_t(repeats->size()) != typeOf(x).getRank())
      return fail("repeats must have one entry per dim");
    for (auto [a, r] : llvm::enumerate(*repeats)) {
      if (r < 1)
        return fail("repeats must be at least 1");
      if (r > 1)
        x = emit("nn.concat", llvm::SmallVector<mlir::Value>(r, x),
                 {namedI64("axis", a)});
      if (!x)
        return false;
    }
    return define(x);
  }

  if (op == "Pad") {
    std::string mode = attrString("mode", "constant");
    std::vector<int64_t> pads;
    double value = 0;
    if (opset < 11) {
      if (!checkAttrs({"mode", "pads", "paddings", "value"}))
        return false;
      auto p = attrInts(opset < 2 ? "paddings" : "pads");
      if (!p)
        return fail("needs pads");
      pads = *p;
      value = attrFloat("value", 0);
    } else {
      if (!checkAttrs({"mode"}))
        return false;
      auto p = constInput(1);
      if (!p)
        return false;
      pads = *p;
      if (hasInput(2)) {
        const Tensor *v = known(2);
        if (!v)
          return fail("input 2 (constant_value) must be a constant");
        Host h = toHost(*v);
        if (h.size() != 1)
          return fail("constant_value must hold one element");
        value = h.at(0);
      }
      if (hasInput(3))
        return fail("the axes input is not supported");
    }
    mlir::Value x = input(0);
    if (!x)
      return false;
    auto type = typeOf(x);
    int64_t rank = type.getRank();
    if (int64_t(pads.size()) != 2 * rank)
      return fail("pads must have 2 * rank entries");
    llvm::ArrayRef<int64_t> before(pads.data(), rank),
        after(pads.data() + rank, rank);
    if (mode == "constant")
      return define(padConstant(x, before, after, value));
    if (mode != "edge" && mode != "reflect")
      return fail("unsupported attribute value mode=" + mode);
    for (int64_t a = 0; a < rank; ++a) {
      if (before[a] == 0 && after[a] == 0)
        continue;
      if (before[a] < 0 || after[a] < 0 || type.isDynamicDim(a))
        return fail("edge and reflect pads need static dims and pads >= 0");
      int64_t dim = type.getDimSize(a);
      std::vector<int64_t> idx;
      for (int64_t i = -before[a]; i < dim + after[a]; ++i) {
        int64_t j = i;
        if (mode == "edge") {
          j = std::clamp<int64_t>(i, 0, dim - 1);
        } else {
          if (dim == 1 || before[a] >= dim || after[a] >= dim)
            return fail("reflect pads must be smaller than the dim");
          j = i < 0 ? -i : (i >= dim ? 2 * (dim - 1) - i : i);
        }
        idx.push_back(j);
      }
      x = take(x, a, idx);
      if (!x)
        return false;
    }
    return define(x);
  }

  if (op == "ConstantOfShape" || op == "Range") {
    // The inputs are not known (else foldNode computed the node): take the
    // result's shape from the model's declaration.
    if (!checkAttrs(op == "Range"
                        ? std::initializer_list<llvm::StringRef>{}
                        : std::initializer_list<llvm::StringRef>{"value"}))
      return false;
    auto shape = declaredShape(node->output(0));
    if (!shape)
      return fail("an input computed at run time needs the result's static "
                  "shape declared in the model");
    if (op == "ConstantOfShape") {
      mlir::Type et = builder.getF32Type();
      double v = 0;
      if (const auto *a = attr("value")) {
        Tensor t;
        if (!decode(a->t(), t))
          return false;
        Host h = toHost(t);
        if (h.size() != 1)
          return fail("value must hold one element");
        et = h.dtype;
        v = h.at(0);
      }
      return define(splat(et, v, *shape));
    }
    // Range(start, limit, delta) with `n` declared: start + delta * [0, n).
    if (shape->size() != 1)
      return fail("the declared result must be 1-D");
    mlir::Value start = input(0), delta = start ? input(2) : mlir::Value();
    if (!delta)
      return false;
    std::vector<int64_t> iota((*shape)[0]);
    std::iota(iota.begin(), iota.end(), 0);
    mlir::Value steps =
        cast(i64s(iota, *shape), typeOf(start).getElementType());
    mlir::Value y = steps ? emit("nn.mul", {steps, delta}) : mlir::Value();
    return y && define(emit("nn.add", {start, y}));
  }

  if (op == "DepthToSpace" || op == "SpaceToDepth") {
    bool d2s = op == "DepthToSpace";
    if (!(d2s ? checkAttrs({"blocksize", "mode"}) : checkAttrs({"blocksize"})))
      return false;
    mlir::Value x = input(0);
    if (!x)
      return false;
    auto type = typeOf(x);
    if (type.getRank() != 4 || !needStatic(type, op))
      return false;
    int64_t b = attrInt("blocksize", 0), n = type.getDimSize(0),
            c = type.getDimSize(1), h = type.getDimSize(2),
            w = type.getDimSize(3);
    if (b < 1 || (d2s && c % (b * b)) || (!d2s && (h % b || w % b)))
      return fail("blocksize " + std::to_string(b) + " does not fit " +
                  nn::formatType(type));
    if (d2s) {
      bool crd = attrString("mode", "DCR") == "CRD";
      if (!crd && attrString("mode", "DCR") != "DCR")
        return fail("unsupported attribute value mode=" +
                    attrString("mode", ""));
      int64_t oc = c / (b * b);
      mlir::Value y = crd ? reshape(x, {n, oc, b, b, h, w})
                          : reshape(x, {n, b, b, oc, h, w});
      y = crd ? transpose(y, {0, 1, 4, 2, 5, 3})
              : transpose(y, {0, 3, 4, 1, 5, 2});
      return define(reshape(y, {n, oc, h * b, w * b}));
    }
    mlir::Value y = reshape(x, {n, c, h / b, b, w / b, b});
    y = transpose(y, {0, 3, 5, 1, 2, 4});
    return define(reshape(y, {n, c * b * b, h / b, w / b}));
  }

  return std::nullopt;
}

} // namespace nnc::onnximport