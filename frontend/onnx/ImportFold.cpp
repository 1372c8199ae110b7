// ImportFold: the import-time evaluation of shape computations. A node whose
// inputs are all known (initializers, Constant nodes, Shape of a tensor with
// static dims, and what those compute) is computed here and becomes a known
// value, so that chains such as Reshape(x, Concat(Slice(Shape(x)), ...))
// import with static shapes.
#include "frontend/onnx/Importer.h"

#include "ir/NNOps.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <cstring>

namespace nnc::onnximport {

//===- Known tensors
//-------------------------------------------------------===//

int64_t product(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

mlir::RankedTensorType typeOf(mlir::Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType());
}

namespace {

const llvm::fltSemantics *semanticsOf(mlir::Type t) {
  auto f = mlir::dyn_cast<mlir::FloatType>(t);
  return f ? &f.getFloatSemantics() : nullptr;
}

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape) {
  llvm::SmallVector<int64_t> s(shape.size(), 1);
  for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/// For each element of `out`, the linear index of the element of a tensor of
/// shape `in` that NumPy broadcasting reads.
std::vector<int64_t> broadcastMap(llvm::ArrayRef<int64_t> in,
                                  llvm::ArrayRef<int64_t> out) {
  llvm::SmallVector<int64_t> inStrides = stridesOf(in);
  llvm::SmallVector<int64_t> outStrides = stridesOf(out);
  int64_t offset = int64_t(out.size()) - int64_t(in.size());
  std::vector<int64_t> map(product(out));
  for (int64_t k = 0; k < int64_t(map.size()); ++k) {
    int64_t src = 0;
    for (int64_t d = 0; d < int64_t(in.size()); ++d) {
      int64_t coord = (k / outStrides[d + offset]) % out[d + offset];
      if (in[d] != 1)
        src += coord * inStrides[d];
    }
    map[k] = src;
  }
  return map;
}

std::optional<llvm::SmallVector<int64_t>>
broadcastShape(llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes) {
  size_t rank = 0;
  for (auto s : shapes)
    rank = std::max(rank, s.size());
  llvm::SmallVector<int64_t> out(rank, 1);
  for (auto s : shapes)
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t &o = out[rank - s.size() + i];
      if (s[i] == o || s[i] == 1)
        continue;
      if (o != 1)
        return std::nullopt;
      o = s[i];
    }
  return out;
}

} // namespace

Host toHost(const Tensor &t) {
  Host h;
  h.shape.assign(t.type.getShape().begin(), t.type.getShape().end());
  h.dtype = t.type.getElementType();
  int64_t n = product(h.shape), size = elementBytes(h.dtype);
  const uint8_t *p = t.bytes.data();
  for (int64_t k = 0; k < n; ++k, p += size) {
    if (const llvm::fltSemantics *sem = semanticsOf(h.dtype)) {
      uint64_t bits = 0;
      std::memcpy(&bits, p, size);
      llvm::APFloat v(*sem, llvm::APInt(size * 8, bits));
      bool loses;
      v.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
                &loses);
      h.f.push_back(v.convertToDouble());
    } else if (h.dtype.isInteger(1)) {
      h.i.push_back(*p != 0);
    } else {
      uint64_t bits = 0;
      std::memcpy(&bits, p, size);
      int64_t v = int64_t(bits);
      if (size < 8 && !h.dtype.isUnsignedInteger() &&
          (bits >> (size * 8 - 1)) & 1)
        v = int64_t(bits | (~uint64_t(0) << (size * 8)));
      h.i.push_back(v);
    }
  }
  return h;
}

Tensor fromHost(const Host &h) {
  Tensor t{mlir::RankedTensorType::get(h.shape, h.dtype), {}};
  int64_t n = h.size(), size = elementBytes(h.dtype);
  t.bytes.resize(n * size);
  uint8_t *p = t.bytes.data();
  for (int64_t k = 0; k < n; ++k, p += size) {
    uint64_t bits;
    if (const llvm::fltSemantics *sem = semanticsOf(h.dtype)) {
      llvm::APFloat v(h.f[k]);
      bool loses;
      v.convert(*sem, llvm::APFloat::rmNearestTiesToEven, &loses);
      bits = v.bitcastToAPInt().getZExtValue();
    } else {
      bits = uint64_t(h.dtype.isInteger(1) ? h.i[k] != 0 : h.i[k]);
    }
    std::memcpy(p, &bits, size);
  }
  return t;
}

//===- Import-time evaluation
//----------------------------------------------===//

std::optional<bool> Importer::foldNode(llvm::StringRef op) {
  if (op == "Shape" || op == "Size") {
    if (!(op == "Shape" ? checkAttrs({"start", "end"}) : checkAttrs({})))
      return false;
    auto type = inputType(0);
    if (!type)
      return false;
    int64_t rank = type.getRank();
    int64_t start = attrInt("start", 0), end = attrInt("end", rank);
    start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
    end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
    Host h;
    h.dtype = builder.getI64Type();
    for (int64_t d = start; d < end; ++d) {
      if (type.isDynamicDim(d))
        return fail("needs static dims, got " + nn::formatType(type));
      h.i.push_back(type.getDimSize(d));
    }
    if (op == "Size") {
      if (!needStatic(type, "Size"))
        return false;
      h.i = {type.getNumElements()};
    } else {
      h.shape = {int64_t(h.i.size())};
    }
    return defineKnown(fromHost(h));
  }

  static const llvm::StringSet<> elementwise = {"Add",
                                                "Sub",
                                                "Mul",
                                                "Div",
                                                "Neg",
                                                "Abs",
                                                "Cast",
                                                "Equal",
                                                "Less",
                                                "Greater",
                                                "LessOrEqual",
                                                "GreaterOrEqual",
                                                "Not",
                                                "And",
                                                "Or",
                                                "Xor",
                                                "Where",
                                                "Max",
                                                "Min",
                                                "Mod",
                                                "Floor",
                                                "Ceil",
                                                "Sqrt",
                                                "Reciprocal",
                                                "ConstantOfShape",
                                                "Range",
                                                "CastLike"};
  if (!elementwise.contains(op) || node->input_size() == 0)
    return std::nullopt;
  for (const auto &a : node->attribute())
    if (!llvm::is_contained({"to", "value", "fmod"}, a.name()))
      return std::nullopt; // the op's own import reports it
  std::vector<Host> in;
  for (int i = 0; i < node->input_size(); ++i) {
    if (!hasInput(i))
      return std::nullopt;
    const Tensor *t = known(i);
    if (!t || product(t->type.getShape()) > (1 << 16))
      return std::nullopt;
    in.push_back(toHost(*t));
  }
  Host out;
  if (op == "ConstantOfShape" || op == "Range") {
    if (op == "ConstantOfShape") {
      if (in[0].isFloat() || in[0].shape.size() != 1)
        return std::nullopt;
      out.shape.assign(in[0].i.begin(), in[0].i.end());
      if (llvm::any_of(out.shape, [](int64_t d) { return d < 0; }) ||
          product(out.shape) > (1 << 20))
        return std::nullopt;
      Host v{{}, builder.getF32Type(), {}, {0.0}};
      if (const auto *a = attr("value")) {
        Tensor t;
        if (!decode(a->t(), t))
          return false;
        v = toHost(t);
        if (v.size() != 1)
          return fail("value must hold one element"), false;
      }
      out.dtype = v.dtype;
      for (int64_t k = 0, n = product(out.shape); k < n; ++k)
        v.isFloat() ? out.f.push_back(v.f[0]) : out.i.push_back(v.i[0]);
      return defineKnown(fromHost(out));
    }
    if (in.size() != 3 || !in[0].shape.empty() || !in[1].shape.empty() ||
        !in[2].shape.empty())
      return std::nullopt;
    double start = in[0].at(0), limit = in[1].at(0), delta = in[2].at(0);
    if (delta == 0)
      return fail("delta must not be 0"), false;
    double count = std::max(std::ceil((limit - start) / delta), 0.0);
    if (count > (1 << 20))
      return std::nullopt;
    out.dtype = in[0].dtype;
    out.shape = {int64_t(count)};
    for (int64_t k = 0; k < int64_t(count); ++k) {
      if (in[0].isFloat())
        out.f.push_back(start + k * delta);
      else
        out.i.push_back(in[0].i[0] + k * in[2].i[0]);
    }
    return defineKnown(fromHost(out));
  }
  if (op == "Cast" || op == "CastLike") {
    mlir::Type et = op == "Cast" ? dtype(attrInt("to", 0)) : in[1].dtype;
    if (!et)
      return std::nullopt;
    out = in[0];
    out.dtype = et;
    bool toFloat = mlir::isa<mlir::FloatType>(et);
    if (toFloat && !in[0].isFloat())
      out.f.assign(in[0].i.begin(), in[0].i.end()), out.i.clear();
    if (!toFloat && in[0].isFloat()) {
      out.i.clear();
      for (double v : in[0].f)
        if (!std::isfinite(v) || std::fabs(v) > 9e18)
          return std::nullopt;
        else
          out.i.push_back(et.isInteger(1) ? v != 0 : int64_t(v));
    }
    if (!toFloat && !in[0].isFloat() && et.isInteger(1))
      for (int64_t &v : out.i)
        v = v != 0;
    return defineKnown(fromHost(out));
  }

  // Elementwise arithmetic with NumPy broadcasting, in the inputs' dtype.
  llvm::SmallVector<llvm::ArrayRef<int64_t>> shapes;
  for (const Host &h : in)
    shapes.push_back(h.shape);
  auto shape = broadcastShape(shapes);
  if (!shape)
    return std::nullopt;
  bool isWhere = op == "Where";
  const Host &data = in[isWhere ? 1 : 0];
  for (size_t k = isWhere ? 2 : 1; k < in.size(); ++k)
    if (in[k].dtype != data.dtype)
      return std::nullopt;
  static const llvm::StringSet<> predicates = {"Equal", "Less", "Greater",
                                               "LessOrEqual", "GreaterOrEqual"};
  out.shape = *shape;
  out.dtype = predicates.contains(op) ? builder.getI1Type() : data.dtype;
  bool isFloat = data.isFloat();
  if ((op == "Floor" || op == "Ceil" || op == "Sqrt" || op == "Reciprocal") &&
      !isFloat)
    return std::nullopt;
  if (op == "Mod" && (isFloat || attrInt("fmod", 0)))
    return std::nullopt;
  std::vector<std::vector<int64_t>> maps;
  for (const Host &h : in)
    maps.push_back(broadcastMap(h.shape, out.shape));
  int64_t n = product(out.shape);
  for (int64_t k = 0; k < n; ++k) {
    auto f = [&](size_t j) { return in[j].f[maps[j][k]]; };
    auto i = [&](size_t j) { return in[j].i[maps[j][k]]; };
    if (isWhere) {
      size_t pick = i(0) ? 1 : 2;
      isFloat ? out.f.push_back(f(pick)) : out.i.push_back(i(pick));
      continue;
    }
    if (predicates.contains(op)) {
      double a = isFloat ? f(0) : 0, b = isFloat ? f(1) : 0;
      int64_t x = isFloat ? 0 : i(0), y = isFloat ? 0 : i(1);
      bool r = op == "Equal"         ? (isFloat ? a == b : x == y)
               : op == "Less"        ? (isFloat ? a < b : x < y)
               : op == "Greater"     ? (isFloat ? a > b : x > y)
               : op == "LessOrEqual" ? (isFloat ? a <= b : x <= y)
                                     : (isFloat ? a >= b : x >= y);
      out.i.push_back(r);
      continue;
    }
    if (isFloat) {
      double a = f(0), b = in.size() > 1 ? f(1) : 0, r;
      if (op == "Add")
        r = a + b;
      else if (op == "Sub")
        r = a - b;
      else if (op == "Mul")
        r = a * b;
      else if (op == "Div")
        r = a / b;
      else if (op == "Max")
        r = std::max(a, b);
      else if (op == "Min")
        r = std::min(a, b);
      else if (op == "Neg")
        r = -a;
      else if (op == "Abs")
        r = std::fabs(a);
      else if (op == "Floor")
        r = std::floor(a);
      else if (op == "Ceil")
        r = std::ceil(a);
      else if (op == "Sqrt")
        r = std::sqrt(a);
      else if (op == "Reciprocal")
        r = 1 / a;
      else
        return std::nullopt;
      out.f.push_back(r);
      continue;
    }
    int64_t a = i(0), b = in.size() > 1 ? i(1) : 0, r;
    bool isBool = data.dtype.isInteger(1);
    if (isBool != (op == "Not" || op == "And" || op == "Or" || op == "Xor"))
      return std::nullopt;
    if ((op == "Div" || op == "Mod") && b == 0)
      return std::nullopt;
    if (op == "Add")
      r = a + b;
    else if (op == "Sub")
      r = a - b;
    else if (op == "Mul")
      r = a * b;
    else if (op == "Div")
      r = a / b;
    else if (op == "Mod")
      r = ((a % b) + b) % b;
    else if (op == "Max")
      r = std::max(a, b);
    else if (op == "Min")
      r = std::min(a, b);
    else if (op == "Neg")
      r = -a;
    else if (op == "Abs")
      r = a < 0 ? -a : a;
    else if (op == "Not")
      r = !a;
    else if (op == "And")
      r = a && b;
    else if (op == "Or")
      r = a || b;
    else if (op == "Xor")
      r = (a != 0) != (b != 0);
    else
      return std::nullopt;
    out.i.push_back(r);
  }
  if ((op == "Max" || op == "Min") && in.size() != 2)
    return std::nullopt;
  return defineKnown(fromHost(out));
}

} // namespace nnc::onnximport
