// GraphEmitter: prints nn functions in nnc's MLIR-free graph format.
//
// The emitter is generic over nn ops: an op's graph name is its MLIR name
// without the `nn.` prefix, its attributes are its inherent attributes printed
// by kind. Adding an op to the dialect needs no change here, only in the
// reference interpreter that reads the result.
#include "codegen/graph/GraphEmitter.h"
#include "ir/NNDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mlir;

namespace {

/// Formats a float the way docs/graph-format.md asks: `inf`, `-inf`, `nan`,
/// otherwise the shortest %g text that reads back to the same value at the
/// attribute's own width (f32 or f64).
std::string formatFloat(double v, bool isF64) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  char buf[64];
  for (int digits = 1; digits <= 17; ++digits) {
    snprintf(buf, sizeof(buf), "%.*g", digits, v);
    double back = strtod(buf, nullptr);
    if (isF64 ? back == v : static_cast<float>(back) == static_cast<float>(v))
      break;
  }
  return buf;
}

FailureOr<std::string> dtypeName(Type t) {
  if (!t.isF64() && !t.isF32() && !t.isF16() && !t.isBF16() &&
      !(isa<IntegerType>(t) && !t.isSignedInteger() &&
        llvm::is_contained({1u, 8u, 16u, 32u, 64u},
                           t.getIntOrFloatBitWidth())))
    return failure();
  return nnc::nn::formatDtype(t); // the reference parses the same names
}

class GraphWriter {
public:
  GraphWriter(ModuleOp module, llvm::raw_ostream &os) : module(module), os(os) {}

  LogicalResult run();

private:
  LogicalResult writeDeclarations(func::FuncOp forward,
                                  func::FuncOp trainStep);
  LogicalResult writeTrain();
  LogicalResult writeArgDeclarations(func::FuncOp func,
                                     const llvm::StringSet<> *skip);
  LogicalResult writeFunc(func::FuncOp func);
  LogicalResult writeAttr(Operation *op, StringRef name, Attribute attr,
                          std::string &out);
  FailureOr<std::string> typeText(Location loc, Type type);

  ModuleOp module;
  llvm::raw_ostream &os;
};

FailureOr<std::string> GraphWriter::typeText(Location loc, Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return emitError(loc) << "the graph format holds ranked tensors only, got "
                          << type,
           failure();
  FailureOr<std::string> dt = dtypeName(tensor.getElementType());
  if (failed(dt))
    return emitError(loc) << "the graph format has no dtype for "
                          << tensor.getElementType(),
           failure();
  std::string s = *dt + "[";
  for (auto [i, d] : llvm::enumerate(tensor.getShape())) {
    if (i)
      s += ",";
    s += ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
  }
  return s + "]";
}

LogicalResult GraphWriter::writeAttr(Operation *op, StringRef name,
                                     Attribute attr, std::string &out) {
  llvm::raw_string_ostream s(out);
  if (auto b = dyn_cast<BoolAttr>(attr)) {
    s << (b.getValue() ? "true" : "false");
  } else if (auto i = dyn_cast<IntegerAttr>(attr)) {
    s << i.getValue().getSExtValue();
  } else if (auto f = dyn_cast<FloatAttr>(attr)) {
    s << formatFloat(f.getValueAsDouble(), f.getType().isF64());
  } else if (auto str = dyn_cast<StringAttr>(attr)) {
    s << '"';
    for (char c : str.getValue()) {
      if (c == '"' || c == '\\')
        s << '\\';
      s << c;
    }
    s << '"';
  } else if (auto arr = dyn_cast<DenseI64ArrayAttr>(attr)) {
    s << '[';
    llvm::interleave(arr.asArrayRef(), s, ",");
    s << ']';
  } else if (auto ty = dyn_cast<TypeAttr>(attr)) {
    Type t = ty.getValue();
    if (auto shaped = dyn_cast<ShapedType>(t))
      t = shaped.getElementType();
    FailureOr<std::string> dt = dtypeName(t);
    if (failed(dt))
      return op->emitError() << "attribute '" << name
                             << "' has a type the graph format cannot hold";
    s << *dt;
  } else if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    Type et = dense.getElementType();
    s << '[';
    if (isa<FloatType>(et)) {
      bool isF64 = et.isF64();
      llvm::interleave(
          dense.getValues<APFloat>(), s,
          [&](const APFloat &v) {
            // f16/bf16 values are exact in double: convert through it.
            APFloat d = v;
            bool lost;
            d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                      &lost);
            s << formatFloat(d.convertToDouble(), isF64);
          },
          ",");
    } else if (et.isInteger(1)) {
      llvm::interleave(dense.getValues<bool>(), s,
                       [&](bool v) { s << (v ? "true" : "false"); }, ",");
    } else if (isa<IntegerType>(et)) {
      llvm::interleave(dense.getValues<APInt>(), s,
                       [&](const APInt &v) { s << v.getSExtValue(); }, ",");
    } else {
      return op->emitError() << "constant of element type " << et
                             << " cannot be written to the graph format";
    }
    s << ']';
  } else if (auto arr = dyn_cast<ArrayAttr>(attr)) {
    s << '[';
    for (auto [i, elt] : llvm::enumerate(arr)) {
      if (i)
        s << ',';
      std::string inner;
      if (failed(writeAttr(op, name, elt, inner)))
        return failure();
      s << inner;
    }
    s << ']';
  } else {
    // Enum attributes print as `#nn<kind value>` or `#nn.kind<value>`: the
    // graph holds the value as a string.
    std::string text;
    llvm::raw_string_ostream ts(text);
    attr.print(ts);
    size_t open = text.rfind('<'), close = text.rfind('>');
    if (open == std::string::npos || close == std::string::npos || close < open)
      return op->emitError() << "attribute '" << name << "' (" << attr
                             << ") cannot be written to the graph format";
    StringRef inner = StringRef(text).slice(open + 1, close).trim();
    inner = inner.rsplit(' ').second.empty() ? inner : inner.rsplit(' ').second;
    s << '"' << inner << '"';
  }
  return success();
}

LogicalResult GraphWriter::writeDeclarations(func::FuncOp forward,
                                             func::FuncOp trainStep) {
  // @forward declares the model's values; @train_step adds the optimizer's
  // state (its arguments that @forward lacks).
  llvm::StringSet<> seen;
  for (unsigned i = 0, e = forward.getNumArguments(); i < e; ++i)
    if (auto name = forward.getArgAttrOfType<StringAttr>(i, "nn.name"))
      seen.insert(name.getValue());
  if (failed(writeArgDeclarations(forward, nullptr)))
    return failure();
  return trainStep ? writeArgDeclarations(trainStep, &seen) : success();
}

LogicalResult GraphWriter::writeArgDeclarations(func::FuncOp forward,
                                                const llvm::StringSet<> *skip) {
  for (unsigned i = 0, e = forward.getNumArguments(); i < e; ++i) {
    if (skip) {
      auto n = forward.getArgAttrOfType<StringAttr>(i, "nn.name");
      if (n && skip->contains(n.getValue()))
        continue;
    }
    Location loc = forward.getArgument(i).getLoc();
    auto name = forward.getArgAttrOfType<StringAttr>(i, "nn.name");
    auto role = forward.getArgAttrOfType<StringAttr>(i, "nn.role");
    if (!name || !role)
      return emitError(loc) << "argument #" << i
                            << " of @" << forward.getSymName()
                            << " has no nn.name/nn.role",
             failure();
    auto tensor = dyn_cast<RankedTensorType>(forward.getArgument(i).getType());
    FailureOr<std::string> type = typeText(loc, forward.getArgument(i).getType());
    if (failed(type))
      return failure();
    if (auto dims = forward.getArgAttrOfType<ArrayAttr>(i, "nn.dims")) {
      // Declared shapes keep their dimension names (B) instead of `?`.
      std::string t = dtypeName(tensor.getElementType())->append("[");
      for (auto [k, d] : llvm::enumerate(dims)) {
        auto ds = dyn_cast<StringAttr>(d);
        if (!ds)
          return emitError(loc) << "nn.dims of '" << name.getValue()
                                << "' must hold strings",
                 failure();
        t += (k ? "," : "") + ds.getValue().str();
      }
      type = t + "]";
    }
    os << role.getValue() << ' ' << name.getValue() << ' ' << *type;
    if (role.getValue() != "input") {
      auto init = forward.getArgAttrOfType<StringAttr>(i, "nn.init");
      if (!init)
        return emitError(loc) << "'" << name.getValue() << "' has no nn.init",
               failure();
      os << ' ' << init.getValue();
    }
    os << '\n';
  }
  return success();
}

LogicalResult GraphWriter::writeTrain() {
  auto train = module->getAttrOfType<DictionaryAttr>("nn.train");
  if (!train)
    return success();
  auto loss = train.getAs<StringAttr>("loss");
  auto opt = train.getAs<StringAttr>("optimizer");
  if (!loss || !opt)
    return module.emitError("nn.train needs 'loss' and 'optimizer' strings");
  os << "train " << loss.getValue() << ' ' << opt.getValue();
  for (NamedAttribute kv : train) {
    if (kv.getName() == "loss" || kv.getName() == "optimizer")
      continue;
    std::string v;
    if (failed(writeAttr(module, kv.getName(), kv.getValue(), v)))
      return failure();
    os << ' ' << kv.getName().getValue() << '=' << v;
  }
  os << '\n';
  return success();
}

LogicalResult GraphWriter::writeFunc(func::FuncOp func) {
  if (!func.getBody().hasOneBlock())
    return func.emitError("graph entries must have a single block");
  llvm::DenseMap<Value, std::string> names;
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
    auto name = func.getArgAttrOfType<StringAttr>(i, "nn.name");
    names[func.getArgument(i)] =
        "%" + (name ? name.getValue().str() : "arg" + std::to_string(i));
  }
  os << "func " << func.getSymName() << '\n';
  unsigned next = 0;
  for (Operation &op : func.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      // Results marked nn.update (the next param and state values of
      // @train_step) form an `update` line; the others are returned.
      std::string returns, updates;
      for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
        auto name = func.getResultAttrOfType<StringAttr>(i, "nn.name");
        auto update = func.getResultAttrOfType<StringAttr>(i, "nn.update");
        std::string &list = update ? updates : returns;
        list += (list.empty() ? " " : ", ") +
                (update ? update.getValue().str()
                 : name ? name.getValue().str()
                        : "out" + std::to_string(i)) +
                "=" + names[v];
      }
      if (!updates.empty())
        os << "  update" << updates << '\n';
      os << "  return" << returns << '\n';
      continue;
    }
    StringRef opName = op.getName().getStringRef();
    bool isArithConstant = opName == "arith.constant";
    if (!opName.starts_with("nn.") && !isArithConstant)
      return op.emitError() << "'" << opName
                            << "' cannot be written to the graph format";
    if (op.getNumResults() != 1)
      return op.emitError() << "graph ops have exactly one result";
    FailureOr<std::string> type = typeText(op.getLoc(), op.getResult(0).getType());
    if (failed(type))
      return failure();
    std::string line = "  %" + std::to_string(next) + " = " +
                       (isArithConstant ? std::string("constant")
                                        : opName.drop_front(3).str());
    for (Value v : op.getOperands()) {
      auto it = names.find(v);
      if (it == names.end())
        return op.emitError() << "operand defined outside the graph entry";
      line += " " + it->second;
    }
    for (NamedAttribute kv : op.getAttrDictionary()) {
      StringRef key = kv.getName().getValue();
      // Discardable attributes (dialect-prefixed) and ODS bookkeeping stay out.
      if (key.contains('.') || key.ends_with("SegmentSizes"))
        continue;
      std::string v;
      if (failed(writeAttr(&op, key, kv.getValue(), v)))
        return failure();
      line += " " + key.str() + "=" + v;
    }
    os << line << " : " << *type << '\n';
    names[op.getResult(0)] = "%" + std::to_string(next++);
  }
  os << "end\n";
  return success();
}

LogicalResult GraphWriter::run() {
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward)
    return module.emitError("the module has no @forward entry to serialize");
  os << "nngraph 1\n";
  auto model = module->getAttrOfType<StringAttr>("nn.model");
  os << "model " << (model ? model.getValue() : StringRef("model")) << '\n';
  if (failed(writeDeclarations(
          forward, module.lookupSymbol<func::FuncOp>("train_step"))) ||
      failed(writeTrain()))
    return failure();
  for (StringRef entry : {"forward", "loss", "loss_grad", "train_step"})
    if (auto f = module.lookupSymbol<func::FuncOp>(entry))
      if (failed(writeFunc(f)))
        return failure();
  return success();
}

} // namespace

LogicalResult nnc::emitGraph(ModuleOp module, llvm::raw_ostream &os) {
  // Write into a buffer first so a failure leaves no half-written graph.
  std::string text;
  llvm::raw_string_ostream buffer(text);
  if (failed(GraphWriter(module, buffer).run()))
    return failure();
  os << text;
  return success();
}
