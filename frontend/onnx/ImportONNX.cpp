// ImportONNX: maps an ONNX ModelProto (opsets 1-17) onto the nn dialect: the
// model, tensors, diagnostics and the elementwise, matmul and softmax ops.
#include "frontend/onnx/ImportONNX.h"
#include "frontend/onnx/Importer.h"

#include "ir/NNDialect.h"
#include "ir/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <optional>

namespace nnc::onnximport {

using onnx::TensorProto;

int64_t elementBytes(mlir::Type t) {
  return t.isInteger(1) ? 1 : (t.getIntOrFloatBitWidth() + 7) / 8;
}

//===- Diagnostics ---------------------------------------------------------===//

std::string Importer::where() const {
  if (!node)
    return "";
  return "node '" + node->name() + "' (" + node->op_type() + ", opset " +
         std::to_string(opset) + "): ";
}

bool Importer::fail(const llvm::Twine &message) {
  if (error.empty())
    error = path + ": " + where() + message.str();
  return false;
}

mlir::Location Importer::loc() {
  mlir::Location file = mlir::FileLineColLoc::get(&ctx, path, 0, 0);
  if (!node)
    return file;
  return mlir::NameLoc::get(
      builder.getStringAttr(node->name().empty() ? node->op_type()
                                                 : node->name()),
      file);
}

//===- Tensors -------------------------------------------------------------===//

mlir::Type Importer::dtype(int32_t t) {
  switch (t) {
  case TensorProto::FLOAT: return builder.getF32Type();
  case TensorProto::FLOAT16: return builder.getF16Type();
  case TensorProto::BFLOAT16: return builder.getBF16Type();
  case TensorProto::INT32: return builder.getI32Type();
  case TensorProto::INT64: return builder.getI64Type();
  case TensorProto::BOOL: return builder.getI1Type();
  case TensorProto::DOUBLE: return builder.getF64Type();
  case TensorProto::INT8: return builder.getIntegerType(8);
  case TensorProto::INT16: return builder.getIntegerType(16);
  case TensorProto::UINT8: return builder.getIntegerType(8, false);
  case TensorProto::UINT16: return builder.getIntegerType(16, false);
  case TensorProto::UINT32: return builder.getIntegerType(32, false);
  case TensorProto::UINT64: return builder.getIntegerType(64, false);
  default: return {};
  }
}

static std::string typeName(int32_t t) {
  return TensorProto::DataType_IsValid(t)
             ? TensorProto::DataType_Name(static_cast<TensorProto::DataType>(t))
             : "type " + std::to_string(t);
}

bool Importer::readExternal(const TensorProto &t, std::vector<uint8_t> &out) {
  std::string location;
  uint64_t offset = 0, length = 0;
  bool hasLength = false;
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset" || kv.key() == "length") {
      if (llvm::StringRef(kv.value()).getAsInteger(10, kv.key() == "offset"
                                                            ? offset
                                                            : length))
        return fail("tensor '" + t.name() + "': bad external " + kv.key() +
                    " '" + kv.value() + "'");
      hasLength |= kv.key() == "length";
    }
  }
  if (location.empty())
    return fail("tensor '" + t.name() + "' is external but names no file");
  llvm::SmallString<256> file(llvm::sys::path::parent_path(path));
  llvm::sys::path::append(file, location);
  auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail("tensor '" + t.name() + "': cannot read external data '" +
                file + "': " + buffer.getError().message());
  uint64_t size = (*buffer)->getBufferSize();
  if (!hasLength)
    length = offset <= size ? size - offset : 0;
  if (offset > size || length > size - offset)
    return fail("tensor '" + t.name() + "': external data '" + file +
                "' is too short (truncated?)");
  const auto *begin =
      reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()) + offset;
  out.assign(begin, begin + length);
  return true;
}

bool Importer::decode(const TensorProto &t, Tensor &out) {
  mlir::Type et = dtype(t.data_type());
  if (!et)
    return fail("tensor '" + t.name() + "' has element type " +
                typeName(t.data_type()) + ", which nnc does not support");
  llvm::SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d && count > (int64_t(1) << 40) / d))
      return fail("tensor '" + t.name() + "' has a bad shape");
    shape.push_back(d);
    count *= d;
  }
  out.type = mlir::RankedTensorType::get(shape, et);
  int64_t size = elementBytes(et);
  std::vector<uint8_t> &b = out.bytes;
  auto put = [&](auto v, int64_t n) {
    size_t at = b.size();
    b.resize(at + n);
    std::memcpy(b.data() + at, &v, n);
  };
  if (t.data_location() == TensorProto::EXTERNAL) {
    if (!readExternal(t, b))
      return false;
  } else if (t.has_raw_data()) {
    b.assign(t.raw_data().begin(), t.raw_data().end());
  } else if (et.isF32()) {
    for (float v : t.float_data())
      put(v, 4);
  } else if (t.data_type() == TensorProto::DOUBLE) {
    for (double v : t.double_data())
      put(v, 8);
  } else if (t.data_type() == TensorProto::INT64) {
    for (int64_t v : t.int64_data())
      put(v, 8);
  } else if (t.data_type() == TensorProto::UINT32 ||
             t.data_type() == TensorProto::UINT64) {
    for (uint64_t v : t.uint64_data())
      put(v, size);
  } else {
    // int32_data carries INT32, INT16, INT8, UINT16, UINT8, BOOL and the
    // bits of FLOAT16 / BFLOAT16 (put keeps the low `size` bytes).
    for (int32_t v : t.int32_data())
      put(v, size);
  }
  if (int64_t(b.size()) != count * size)
    return fail("tensor '" + t.name() + "' holds " + std::to_string(b.size()) +
                " bytes of data, expected " + std::to_string(count * size));
  return true;
}

std::optional<std::vector<int64_t>> Importer::ints(const Tensor &t) {
  mlir::Type et = t.type.getElementType();
  std::vector<int64_t> v;
  if (et.isInteger(64)) {
    v.resize(t.bytes.size() / 8);
    std::memcpy(v.data(), t.bytes.data(), v.size() * 8);
  } else if (et.isInteger(32)) {
    std::vector<int32_t> w(t.bytes.size() / 4);
    std::memcpy(w.data(), t.bytes.data(), w.size() * 4);
    v.assign(w.begin(), w.end());
  } else {
    fail("expected an integer tensor, got " + nn::formatType(t.type));
    return std::nullopt;
  }
  return v;
}

//===- Building ops --------------------------------------------------------===//

mlir::Value Importer::emit(llvm::StringRef opName, mlir::ValueRange operands,
                           llvm::ArrayRef<mlir::NamedAttribute> attrs,
                           mlir::Type resultType) {
  // As in the .nn frontend: build detached, infer the result type (its
  // diagnostic is captured and reported as this node's error), then insert.
  mlir::Location location = loc();
  mlir::OperationState state(location, opName);
  state.addOperands(operands);
  state.addTypes(resultType ? resultType : builder.getNoneType());
  mlir::Operation *op = mlir::Operation::create(state);
  op->setAttrs(builder.getDictionaryAttr(attrs));
  if (!resultType) {
    auto infer = op->getName().getInterface<mlir::InferTypeOpInterface>();
    llvm::SmallVector<mlir::Type, 1> types;
    captured.clear();
    if (!infer ||
        mlir::failed(infer->inferReturnTypes(
            &ctx, location, op->getOperands(), op->getAttrDictionary(),
            op->getPropertiesStorage(), op->getRegions(), types)) ||
        types.size() != 1) {
      op->destroy();
      fail(captured.empty() ? "cannot infer the type of " + opName.str()
                            : captured);
      return {};
    }
    op->getResult(0).setType(types[0]);
  }
  builder.insert(op);
  return op->getResult(0);
}

mlir::Value Importer::constant(const Tensor &t) {
  mlir::DenseElementsAttr value;
  if (t.type.getElementType().isInteger(1)) {
    llvm::SmallVector<bool> bits;
    for (uint8_t b : t.bytes)
      bits.push_back(b != 0);
    value = mlir::DenseElementsAttr::get(t.type, llvm::ArrayRef<bool>(bits));
  } else {
    bool splat = false;
    llvm::ArrayRef<char> raw(reinterpret_cast<const char *>(t.bytes.data()),
                             t.bytes.size());
    if (!mlir::DenseElementsAttr::isValidRawBuffer(t.type, raw, splat)) {
      fail("cannot make a constant of " + nn::formatType(t.type));
      return {};
    }
    value = mlir::DenseElementsAttr::getFromRawBuffer(t.type, raw);
  }
  return emit("nn.constant", {}, {builder.getNamedAttr("value", value)});
}

mlir::Value Importer::scalar(mlir::Type et, double v) {
  auto type = mlir::RankedTensorType::get({}, et);
  mlir::Attribute a = mlir::isa<mlir::FloatType>(et)
                          ? mlir::Attribute(builder.getFloatAttr(et, v))
                          : mlir::Attribute(builder.getIntegerAttr(et, v));
  return emit("nn.constant", {},
              {builder.getNamedAttr("value",
                                    mlir::DenseElementsAttr::get(type, a))});
}

/// A reshape of `x` back to `like`'s shape; one dynamic dim becomes -1.
mlir::Value Importer::reshapeTo(mlir::Value x, mlir::RankedTensorType like) {
  llvm::SmallVector<int64_t> shape(like.getShape());
  if (llvm::count(shape, mlir::ShapedType::kDynamic) > 1) {
    fail("needs a shape with at most one dynamic dimension, got " +
         nn::formatType(like));
    return {};
  }
  for (int64_t &d : shape)
    if (d == mlir::ShapedType::kDynamic)
      d = -1;
  return emit("nn.reshape", {x},
              {builder.getNamedAttr("shape",
                                    builder.getDenseI64ArrayAttr(shape))});
}

//===- Node helpers --------------------------------------------------------===//

bool Importer::checkAttrs(std::initializer_list<llvm::StringRef> known) {
  for (const auto &a : node->attribute())
    if (!llvm::is_contained(known, a.name()))
      return fail("unsupported attribute '" + a.name() + "'");
  return true;
}

const onnx::AttributeProto *Importer::attr(llvm::StringRef name) {
  for (const auto &a : node->attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t Importer::attrInt(llvm::StringRef name, int64_t dflt) {
  const auto *a = attr(name);
  return a ? a->i() : dflt;
}

float Importer::attrFloat(llvm::StringRef name, float dflt) {
  const auto *a = attr(name);
  return a ? a->f() : dflt;
}

std::string Importer::attrString(llvm::StringRef name, llvm::StringRef dflt) {
  const auto *a = attr(name);
  return a ? a->s() : dflt.str();
}

std::optional<std::vector<int64_t>> Importer::attrInts(llvm::StringRef name) {
  const auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

mlir::Value Importer::input(int i) {
  if (!hasInput(i)) {
    fail("missing input " + std::to_string(i));
    return {};
  }
  auto it = values.find(node->input(i));
  if (it != values.end())
    return it->second;
  // A folded value becomes an nn.constant where something first needs it.
  auto c = constants.find(node->input(i));
  if (c == constants.end()) {
    fail("input '" + node->input(i) + "' is not defined");
    return {};
  }
  mlir::Value v = constant(c->second);
  if (v)
    values[node->input(i)] = v;
  return v;
}

const Tensor *Importer::known(int i) {
  auto it = hasInput(i) ? constants.find(node->input(i)) : constants.end();
  return it == constants.end() ? nullptr : &it->second;
}

std::optional<llvm::SmallVector<int64_t>>
Importer::declaredShape(llvm::StringRef name) {
  auto it = declared.find(name);
  if (it == declared.end() || !it->second->type().has_tensor_type() ||
      !it->second->type().tensor_type().has_shape())
    return std::nullopt;
  llvm::SmallVector<int64_t> shape;
  for (const auto &d : it->second->type().tensor_type().shape().dim()) {
    if (!d.has_dim_value() || d.dim_value() < 0)
      return std::nullopt;
    shape.push_back(d.dim_value());
  }
  return shape;
}

bool Importer::needStatic(mlir::RankedTensorType t, llvm::StringRef what) {
  if (t.hasStaticShape())
    return true;
  return fail(what + " needs a static shape, got " + nn::formatType(t));
}

std::optional<std::vector<int64_t>> Importer::constInput(int i) {
  auto it = hasInput(i) ? constants.find(node->input(i)) : constants.end();
  if (it == constants.end()) {
    fail("input " + std::to_string(i) + " ('" +
         (hasInput(i) ? node->input(i) : std::string()) +
         "') must be a constant (an initializer or a Constant node)");
    return std::nullopt;
  }
  return ints(it->second);
}

std::optional<int64_t> Importer::axis(int64_t a, int64_t rank, bool allowEnd) {
  int64_t limit = allowEnd ? rank + 1 : rank;
  int64_t norm = a < 0 ? a + rank : a;
  if (norm < 0 || norm >= limit) {
    fail("axis " + std::to_string(a) + " is out of range for rank " +
         std::to_string(rank));
    return std::nullopt;
  }
  return norm;
}

bool Importer::define(mlir::Value v) {
  if (!v)
    return false;
  if (node->output_size() != 1)
    return fail("expected one output, got " +
                std::to_string(node->output_size()));
  values[node->output(0)] = v;
  return true;
}

bool Importer::defineAll(llvm::ArrayRef<mlir::Value> vs) {
  for (int i = 0; i < node->output_size(); ++i) {
    if (!wantsOutput(i))
      continue;
    if (i >= int(vs.size()) || !vs[i])
      return error.empty() ? fail("output " + std::to_string(i) + " ('" +
                                  node->output(i) + "') is not supported")
                           : false;
    values[node->output(i)] = vs[i];
  }
  return true;
}

bool Importer::defineKnown(const Tensor &t, int i) {
  if (i >= node->output_size())
    return fail("expected " + std::to_string(i + 1) + " outputs");
  constants[node->output(i)] = t;
  values.erase(node->output(i));
  return true;
}

//===- Operators -----------------------------------------------------------===//

bool Importer::importNode(const onnx::NodeProto &n) {
  node = &n;
  llvm::StringRef op = n.op_type();
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    return fail("unsupported operator (domain '" + n.domain() + "')");
  if (std::optional<bool> done = foldNode(op))
    return *done;

  static const llvm::StringMap<const char *> unary = {
      {"Neg", "nn.neg"},   {"Abs", "nn.abs"},         {"Exp", "nn.exp"},
      {"Log", "nn.log"},   {"Sqrt", "nn.sqrt"},       {"Tanh", "nn.tanh"},
      {"Relu", "nn.relu"}, {"Sigmoid", "nn.sigmoid"}};
  static const llvm::StringMap<const char *> binary = {
      {"Add", "nn.add"}, {"Sub", "nn.sub"}, {"Mul", "nn.mul"},
      {"Div", "nn.div"}, {"MatMul", "nn.matmul"}};
  static const llvm::StringMap<const char *> compare = {
      {"Equal", "eq"},     {"Less", "lt"},          {"Greater", "gt"},
      {"LessOrEqual", "le"}, {"GreaterOrEqual", "ge"}};
  if (auto it = unary.find(op); it != unary.end()) {
    mlir::Value x = checkAttrs({}) ? input(0) : mlir::Value();
    return x && define(emit(it->second, {x}));
  }
  if (auto it = binary.find(op); it != binary.end()) {
    mlir::Value a = checkAttrs({}) ? input(0) : mlir::Value();
    mlir::Value b = a ? input(1) : mlir::Value();
    return b && define(emit(it->second, {a, b}));
  }
  if (auto it = compare.find(op); it != compare.end()) {
    mlir::Value a = checkAttrs({}) ? input(0) : mlir::Value();
    mlir::Value b = a ? input(1) : mlir::Value();
    return b && define(emit("nn.compare", {a, b},
                            {builder.getNamedAttr(
                                "predicate",
                                builder.getStringAttr(it->second))}));
  }
  if (op == "Identity") {
    if (!checkAttrs({}))
      return false;
    if (const Tensor *t = known(0))
      return defineKnown(*t);
    mlir::Value x = input(0);
    return x && define(x);
  }
  if (op == "Max" || op == "Min") {
    mlir::Value acc = checkAttrs({}) ? input(0) : mlir::Value();
    for (int i = 1; acc && i < n.input_size(); ++i) {
      mlir::Value next = input(i);
      acc = next ? emit(op == "Max" ? "nn.maximum" : "nn.minimum", {acc, next})
                 : mlir::Value();
    }
    return acc && define(acc);
  }
  if (op == "Pow") {
    mlir::Value a = checkAttrs({}) ? input(0) : mlir::Value();
    mlir::Value b = a ? input(1) : mlir::Value();
    if (!b)
      return false;
    // Opset 12+ lets the exponent have another type; nn.pow wants one.
    mlir::Type et = typeOf(a).getElementType();
    if (typeOf(b).getElementType() != et)
      b = emit("nn.cast", {b}, {}, typeOf(b).clone(et));
    return b && define(emit("nn.pow", {a, b}));
  }
  if (op == "Where") {
    mlir::Value c = checkAttrs({}) ? input(0) : mlir::Value();
    mlir::Value a = c ? input(1) : mlir::Value();
    mlir::Value b = a ? input(2) : mlir::Value();
    return b && define(emit("nn.where", {c, a, b}));
  }
  if (op == "Cast") {
    mlir::Value x = checkAttrs({"to"}) ? input(0) : mlir::Value();
    if (!x)
      return false;
    int64_t to = attrInt("to", 0);
    mlir::Type et = dtype(to);
    if (!et)
      return fail("unsupported attribute value to=" + typeName(to));
    return define(emit("nn.cast", {x}, {}, typeOf(x).clone(et)));
  }
  if (op == "Gemm") {
    if (!checkAttrs({"alpha", "beta", "transA", "transB"}))
      return false;
    mlir::Value a = input(0);
    mlir::Value b = a ? input(1) : mlir::Value();
    if (!b)
      return false;
    auto perm = builder.getNamedAttr("perm",
                                     builder.getDenseI64ArrayAttr({1, 0}));
    if (attrInt("transA", 0) && !(a = emit("nn.transpose", {a}, {perm})))
      return false;
    if (attrInt("transB", 0) && !(b = emit("nn.transpose", {b}, {perm})))
      return false;
    mlir::Value y = emit("nn.matmul", {a, b});
    mlir::Type et = y ? typeOf(y).getElementType() : mlir::Type();
    float alpha = attrFloat("alpha", 1.0f), beta = attrFloat("beta", 1.0f);
    if (y && alpha != 1.0f)
      y = emit("nn.mul", {y, scalar(et, alpha)});
    if (y && hasInput(2) && beta != 0.0f) {
      mlir::Value c = input(2);
      if (c && beta != 1.0f)
        c = emit("nn.mul", {c, scalar(et, beta)});
      y = c ? emit("nn.add", {y, c}) : mlir::Value();
    }
    return define(y);
  }
  if (op == "Transpose") {
    mlir::Value x = checkAttrs({"perm"}) ? input(0) : mlir::Value();
    if (!x)
      return false;
    int64_t rank = typeOf(x).getRank();
    std::vector<int64_t> perm;
    if (auto p = attrInts("perm"))
      perm = *p;
    else
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    return define(emit("nn.transpose", {x},
                       {builder.getNamedAttr(
                           "perm", builder.getDenseI64ArrayAttr(perm))}));
  }
  if (op == "Softmax" || op == "LogSoftmax") {
    const char *name = op == "Softmax" ? "nn.softmax" : "nn.log_softmax";
    mlir::Value x = checkAttrs({"axis"}) ? input(0) : mlir::Value();
    if (!x)
      return false;
    auto type = typeOf(x);
    int64_t rank = type.getRank();
    auto a = axis(attrInt("axis", opset < 13 ? 1 : -1), rank);
    if (!a)
      return false;
    if (opset >= 13 || *a == rank - 1)
      return define(emit(name, {x},
                         {builder.getNamedAttr(
                             "axis", builder.getI64IntegerAttr(*a))}));
    // Before opset 13 the input is coerced to 2-D at `axis`.
    mlir::Value flat = emit("nn.flatten", {x},
                            {builder.getNamedAttr(
                                "axis", builder.getI64IntegerAttr(*a))});
    mlir::Value y =
        flat ? emit(name, {flat},
                    {builder.getNamedAttr("axis", builder.getI64IntegerAttr(1))})
             : mlir::Value();
    return y && define(reshapeTo(y, type));
  }
  if (op == "Constant") {
    if (!checkAttrs({"value", "value_float", "value_floats", "value_int",
                     "value_ints"}) ||
        n.attribute_size() != 1)
      return fail("expects exactly one of value, value_float(s), value_int(s)");
    const auto &a = n.attribute(0);
    Tensor t;
    auto fill = [&](auto begin, auto end, auto zero, mlir::Type et,
                    llvm::ArrayRef<int64_t> shape) {
      t.type = mlir::RankedTensorType::get(shape, et);
      for (auto it = begin; it != end; ++it) {
        decltype(zero) v = *it;
        const auto *p = reinterpret_cast<const uint8_t *>(&v);
        t.bytes.insert(t.bytes.end(), p, p + sizeof(v));
      }
    };
    if (a.name() == "value") {
      if (!decode(a.t(), t))
        return false;
    } else if (a.name() == "value_float") {
      float f = a.f();
      fill(&f, &f + 1, 0.0f, builder.getF32Type(), {});
    } else if (a.name() == "value_floats") {
      fill(a.floats().begin(), a.floats().end(), 0.0f, builder.getF32Type(),
           {int64_t(a.floats_size())});
    } else if (a.name() == "value_int") {
      int64_t i = a.i();
      fill(&i, &i + 1, int64_t(0), builder.getI64Type(), {});
    } else {
      fill(a.ints().begin(), a.ints().end(), int64_t(0), builder.getI64Type(),
           {int64_t(a.ints_size())});
    }
    return defineKnown(t);
  }
  for (auto family :
       {&Importer::importShapeOp, &Importer::importMathOp, &Importer::importNNOp})
    if (std::optional<bool> done = (this->*family)(op))
      return *done;
  return fail("unsupported operator");
}

//===- The model -----------------------------------------------------------===//

static std::string identifier(llvm::StringRef s) {
  std::string out;
  for (char c : s)
    out += llvm::isAlnum(c) || c == '_' ? c : '_';
  if (out.empty() || llvm::isDigit(out[0]))
    out = "m_" + out;
  return out;
}

mlir::OwningOpRef<mlir::ModuleOp> Importer::run() {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    fail("cannot read: " + buffer.getError().message());
    return nullptr;
  }
  onnx::ModelProto model;
  llvm::StringRef bytes = (*buffer)->getBuffer();
  if (bytes.empty() || bytes.size() > (size_t(1) << 31) - 1 ||
      !model.ParseFromArray(bytes.data(), int(bytes.size())) ||
      !model.has_graph()) {
    fail("not a valid ONNX model (corrupt or truncated protobuf)");
    return nullptr;
  }
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset == 0) {
    fail("imports no opset of the default ONNX domain (ai.onnx)");
    return nullptr;
  }
  if (opset < 1 || opset > 17) {
    fail("opset " + std::to_string(opset) +
         " is outside the supported range 1-17");
    return nullptr;
  }

  // Diagnostics from type inference become this node's error message.
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    captured = d.str();
    return mlir::success();
  });
  ctx.loadDialect<nn::NNDialect, mlir::func::FuncDialect>();
  const onnx::GraphProto &graph = model.graph();
  for (const auto *list : {&graph.input(), &graph.output(), &graph.value_info()})
    for (const onnx::ValueInfoProto &v : *list)
      declared[v.name()] = &v;

  llvm::SmallVector<mlir::Type> argTypes;
  llvm::SmallVector<mlir::DictionaryAttr> argAttrs;
  llvm::SmallVector<std::string> argNames;
  auto role = [&](llvm::StringRef r) {
    return builder.getNamedAttr("nn.role", builder.getStringAttr(r));
  };
  // Initializers first (they may also be listed as graph inputs).
  llvm::SmallVector<Tensor> params;
  llvm::StringSet<> isInit;
  for (const TensorProto &t : graph.initializer()) {
    Tensor value;
    if (!decode(t, value))
      return nullptr;
    isInit.insert(t.name());
    constants[t.name()] = value;
    params.push_back(std::move(value));
  }
  for (const onnx::ValueInfoProto &in : graph.input()) {
    if (isInit.contains(in.name()))
      continue;
    const auto &tt = in.type().tensor_type();
    if (!in.type().has_tensor_type())
      return fail("input '" + in.name() + "' is not a tensor"), nullptr;
    mlir::Type et = dtype(tt.elem_type());
    if (!et)
      return fail("input '" + in.name() + "' has element type " +
                  typeName(tt.elem_type()) + ", which nnc does not support"),
             nullptr;
    if (!tt.has_shape())
      return fail("input '" + in.name() + "' has no shape (unknown rank)"),
             nullptr;
    llvm::SmallVector<int64_t> shape;
    llvm::SmallVector<mlir::Attribute> dims;
    for (auto [i, d] : llvm::enumerate(tt.shape().dim())) {
      std::string name = d.has_dim_param() && !d.dim_param().empty()
                             ? identifier(d.dim_param())
                             : identifier(in.name()) + "_d" + std::to_string(i);
      if (d.has_dim_value()) {
        shape.push_back(d.dim_value());
        name = std::to_string(d.dim_value());
      } else if (auto it = options.dims.find(name); it != options.dims.end()) {
        shape.push_back(it->second);
        name = std::to_string(it->second);
      } else {
        shape.push_back(mlir::ShapedType::kDynamic);
      }
      dims.push_back(builder.getStringAttr(name));
    }
    argTypes.push_back(mlir::RankedTensorType::get(shape, et));
    argNames.push_back(in.name());
    argAttrs.push_back(builder.getDictionaryAttr(
        {builder.getNamedAttr("nn.name", builder.getStringAttr(in.name())),
         role("input"),
         builder.getNamedAttr("nn.dims", builder.getArrayAttr(dims))}));
  }
  static const char *hex = "0123456789abcdef";
  for (auto [t, p] : llvm::zip(graph.initializer(), params)) {
    std::string init = "data(";
    for (uint8_t b : p.bytes)
      init += {hex[b >> 4], hex[b & 15]};
    init += ")";
    argTypes.push_back(p.type);
    argNames.push_back(t.name());
    argAttrs.push_back(builder.getDictionaryAttr(
        {builder.getNamedAttr("nn.name", builder.getStringAttr(t.name())),
         role("param"),
         builder.getNamedAttr("nn.init", builder.getStringAttr(init))}));
  }

  mlir::Location fileLoc = loc();
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(fileLoc);
  (*module)->setAttr("nn.model", builder.getStringAttr(identifier(
                                     graph.name().empty() ? "model"
                                                          : graph.name())));
  auto func = mlir::func::FuncOp::create(
      fileLoc, "forward", builder.getFunctionType(argTypes, {}));
  module->push_back(func);
  mlir::Block *entry = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    values[name] = entry->getArgument(i);
    func.setArgAttrs(i, argAttrs[i]);
  }
  builder.setInsertionPointToEnd(entry);
  for (const onnx::NodeProto &n : graph.node())
    if (!importNode(n))
      return nullptr;
  node = nullptr;

  llvm::SmallVector<mlir::Value> results;
  for (const onnx::ValueInfoProto &out : graph.output()) {
    auto it = values.find(out.name());
    auto c = constants.find(out.name());
    if (it != values.end())
      results.push_back(it->second);
    else if (c != constants.end())
      results.push_back(constant(c->second));
    else
      return fail("output '" + out.name() + "' is not defined"), nullptr;
    if (!results.back())
      return nullptr;
  }
  mlir::func::ReturnOp::create(builder, fileLoc, results);
  func.setFunctionType(
      builder.getFunctionType(argTypes, mlir::ValueRange(results).getTypes()));
  for (auto [i, out] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "nn.name", builder.getStringAttr(out.name()));
  captured.clear();
  if (mlir::failed(mlir::verify(*module)))
    return fail("the imported module does not verify: " + captured), nullptr;
  return module;
}

} // namespace nnc::onnximport

namespace nnc {

mlir::OwningOpRef<mlir::ModuleOp> importONNX(mlir::MLIRContext &context,
                                             llvm::StringRef path,
                                             const ONNXImportOptions &options,
                                             std::string &error) {
  error.clear();
  return onnximport::Importer(context, path, options, error).run();
}

} // namespace nnc
