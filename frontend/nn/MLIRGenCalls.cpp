// MLIRGenCalls: matches call arguments to signatures and lowers each operator.
#include "frontend/nn/MLIRGenImpl.h"

#include "frontend/nn/NpyReader.h"
#include "ir/NNDialect.h"
#include "ir/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/Path.h"

using namespace nnc::nnlang;
using namespace nnc::nnlang::detail;
using llvm::cast;
using llvm::dyn_cast;

//===- Arguments -----------------------------------------------------------===//

std::optional<std::vector<Arg>>
Generator::bind(const Signature &sig, llvm::StringRef callee,
                const Location &callLoc, const std::vector<ExprPtr> &positional,
                const std::vector<KeywordArg> &keywords, Scope &scope) {
  std::vector<Arg> args;
  std::vector<const Expr *> exprs(sig.params.size(), nullptr);
  for (const ParamSpec &p : sig.params)
    args.push_back(Arg{&p, std::nullopt, callLoc});
  size_t maxPositional = 0;
  for (const ParamSpec &p : sig.params)
    if (!p.keywordOnly)
      ++maxPositional;
  if (positional.size() > maxPositional) {
    auto diag = error(positional[maxPositional]->loc);
    diag << "too many arguments to '" << callee << "': it takes ";
    if (maxPositional == 0)
      diag << "no positional arguments";
    else
      diag << maxPositional << " positional argument"
           << (maxPositional == 1 ? "" : "s");
    diag << ", got " << positional.size();
    return std::nullopt;
  }
  for (size_t i = 0; i < positional.size(); ++i) {
    exprs[i] = positional[i].get();
    args[i].loc = positional[i]->loc;
  }
  for (const KeywordArg &k : keywords) {
    auto it = llvm::find_if(sig.params, [&](const ParamSpec &p) {
      return k.name == p.name;
    });
    if (it == sig.params.end()) {
      auto diag = error(k.loc);
      diag << "'" << callee << "' has no parameter '" << k.name << "'";
      if (!sig.params.empty()) {
        diag << " (parameters: ";
        for (size_t i = 0; i < sig.params.size(); ++i)
          diag << (i ? ", " : "") << sig.params[i].name;
        diag << ")";
      }
      return std::nullopt;
    }
    size_t idx = it - sig.params.begin();
    if (exprs[idx]) {
      error(k.loc) << "argument '" << k.name << "' of '" << callee
                   << "' is given twice";
      return std::nullopt;
    }
    exprs[idx] = k.value.get();
    args[idx].loc = k.value->loc;
  }
  for (size_t i = 0; i < sig.params.size(); ++i) {
    if (!exprs[i]) {
      if (!sig.params[i].defaultValue) {
        error(callLoc) << "missing argument '" << sig.params[i].name
                       << "' in call to '" << callee << "'";
        return std::nullopt;
      }
      continue;
    }
    auto v = genExpr(*exprs[i], scope);
    if (!v)
      return std::nullopt;
    v->loc = exprs[i]->loc;
    args[i].val = *v;
  }
  return args;
}

mlir::InFlightDiagnostic Generator::argError(const Arg &a,
                                             llvm::StringRef callee) {
  auto diag = error(a.loc);
  diag << "'" << a.spec->name << "' of '" << callee << "' ";
  return diag;
}

std::optional<mlir::Value> Generator::argTensor(const Arg &a,
                                                llvm::StringRef callee) {
  if (a.val && a.val->tensor)
    return a.val->tensor;
  argError(a, callee) << "must be a tensor, got " << describe(*a.val);
  return std::nullopt;
}

static std::optional<int64_t> parseIntDefault(const char *text) {
  if (!text || !*text)
    return std::nullopt;
  return std::strtoll(text, nullptr, 10);
}

std::optional<int64_t> Generator::argInt(const Arg &a, llvm::StringRef callee) {
  if (!a.val)
    return parseIntDefault(a.spec->defaultValue);
  if (a.val->lit && a.val->lit->kind == Literal::Number && a.val->lit->isInt)
    return a.val->lit->i;
  argError(a, callee) << "must be an integer, got " << describe(*a.val);
  return std::nullopt;
}

std::optional<std::vector<int64_t>>
Generator::argInts(const Arg &a, llvm::StringRef callee) {
  if (!a.val) {
    if (auto v = parseIntDefault(a.spec->defaultValue))
      return std::vector<int64_t>{*v};
    return std::vector<int64_t>{};
  }
  const Literal *l = a.val->lit.get();
  if (l && l->kind == Literal::Number && l->isInt &&
      a.spec->kind == ArgKind::Ints)
    return std::vector<int64_t>{l->i};
  if (l && l->kind == Literal::List) {
    std::vector<int64_t> out;
    bool ok = true;
    for (const Val &e : l->elems) {
      if (!e.lit || e.lit->kind != Literal::Number || !e.lit->isInt) {
        ok = false;
        break;
      }
      out.push_back(e.lit->i);
    }
    if (ok)
      return out;
  }
  argError(a, callee) << "must be " << argKindName(a.spec->kind) << ", got "
                      << describe(*a.val);
  return std::nullopt;
}

std::optional<std::vector<int64_t>>
Generator::argPair(const Arg &a, llvm::StringRef callee) {
  auto v = argInts(a, callee);
  if (!v)
    return std::nullopt;
  if (v->size() == 1)
    return std::vector<int64_t>{(*v)[0], (*v)[0]};
  if (v->size() == 2)
    return v;
  argError(a, callee) << "must be an integer or a list of 2 integers, got "
                      << v->size() << " integers";
  return std::nullopt;
}

std::optional<double> Generator::argFloat(const Arg &a,
                                          llvm::StringRef callee) {
  if (!a.val)
    return std::strtod(a.spec->defaultValue, nullptr);
  if (a.val->lit && a.val->lit->kind == Literal::Number)
    return a.val->lit->f;
  argError(a, callee) << "must be a number, got " << describe(*a.val);
  return std::nullopt;
}

std::optional<bool> Generator::argBool(const Arg &a, llvm::StringRef callee) {
  if (!a.val)
    return llvm::StringRef(a.spec->defaultValue) == "true";
  if (a.val->lit && a.val->lit->kind == Literal::Bool)
    return a.val->lit->b;
  argError(a, callee) << "must be true or false, got " << describe(*a.val);
  return std::nullopt;
}

std::optional<std::string> Generator::argString(const Arg &a,
                                                llvm::StringRef callee) {
  std::string value;
  if (!a.val) {
    value = llvm::StringRef(a.spec->defaultValue).trim('"').str();
  } else if (a.val->lit && a.val->lit->kind == Literal::String) {
    value = a.val->lit->s;
  } else {
    argError(a, callee) << "must be a string, got " << describe(*a.val);
    return std::nullopt;
  }
  if (a.spec->choices) {
    llvm::SmallVector<llvm::StringRef> choices;
    llvm::StringRef(a.spec->choices).split(choices, '|');
    if (!llvm::is_contained(choices, value)) {
      auto diag = argError(a, callee);
      diag << "must be ";
      for (size_t i = 0; i < choices.size(); ++i)
        diag << (i ? (i + 1 == choices.size() ? " or " : ", ") : "") << "\""
             << choices[i] << "\"";
      diag << ", got \"" << value << "\"";
      return std::nullopt;
    }
  }
  return value;
}

std::optional<int64_t> Generator::normAxis(int64_t axis, int64_t rank,
                                           const Arg &a, llvm::StringRef callee,
                                           bool allowEnd) {
  // With allowEnd (flatten), `rank` itself is valid; negatives count from
  // the back either way (ONNX's Flatten: -1 is the last dim).
  int64_t limit = allowEnd ? rank + 1 : rank;
  int64_t norm = axis < 0 ? axis + rank : axis;
  if (norm < 0 || norm >= limit) {
    argError(a, callee) << "is " << axis << ", out of range for a rank-"
                        << rank << " tensor";
    return std::nullopt;
  }
  return norm;
}

//===- Ops -----------------------------------------------------------------===//

std::optional<Val> Generator::emit(llvm::StringRef opName, const Location &l,
                                   mlir::ValueRange operands,
                                   llvm::ArrayRef<mlir::NamedAttribute> attrs,
                                   mlir::Type explicitType) {
  // fn blocks are inlined, so a small file can expand exponentially.
  if (++opCount > kMaxOps) {
    error(l) << "the model expands to more than " << kMaxOps
             << " operations (fn blocks are inlined at each call)";
    return std::nullopt;
  }
  mlir::Location location = loc(l);
  // The op is built detached with a placeholder result, its result type
  // inferred (errors go to `location`), then inserted.
  mlir::OperationState state(location, opName);
  state.addOperands(operands);
  state.addTypes(explicitType ? explicitType : builder.getNoneType());
  mlir::Operation *op = mlir::Operation::create(state);
  op->setAttrs(builder.getDictionaryAttr(attrs));
  if (!explicitType) {
    auto infer = op->getName().getInterface<mlir::InferTypeOpInterface>();
    llvm::SmallVector<mlir::Type, 1> types;
    if (!infer ||
        mlir::failed(infer->inferReturnTypes(
            &ctx, location, op->getOperands(), op->getAttrDictionary(),
            op->getPropertiesStorage(), op->getRegions(), types)) ||
        types.size() != 1) {
      op->destroy();
      return std::nullopt;
    }
    op->getResult(0).setType(types[0]);
  }
  builder.insert(op);
  return Val{op->getResult(0), nullptr, l};
}

std::optional<mlir::Value> Generator::materialize(const Val &v,
                                                  mlir::Type elemType,
                                                  const Val &other) {
  const Literal &l = *v.lit;
  auto type = mlir::RankedTensorType::get({}, elemType);
  std::string otherType = nnc::nn::formatType(other.tensor.getType());
  mlir::Attribute element;
  if (l.kind == Literal::Bool) {
    if (!elemType.isInteger(1)) {
      error(v.loc) << "the literal " << (l.b ? "true" : "false")
                   << " needs a bool operand beside it, got " << otherType;
      return std::nullopt;
    }
    element = builder.getIntegerAttr(elemType, l.b ? 1 : 0);
  } else if (l.kind != Literal::Number) {
    error(v.loc) << "expected a tensor or a number, got " << describe(v);
    return std::nullopt;
  } else if (elemType.isInteger(1)) {
    error(v.loc) << "the number " << (l.isInt ? std::to_string(l.i) : fmtDouble(l.f))
                 << " cannot be a bool value (beside " << otherType
                 << "); use true or false";
    return std::nullopt;
  } else if (auto intTy = mlir::dyn_cast<mlir::IntegerType>(elemType)) {
    if (!l.isInt) {
      error(v.loc) << "the literal " << fmtDouble(l.f)
                   << " is not an integer, but the other operand is "
                   << otherType;
      return std::nullopt;
    }
    unsigned w = intTy.getWidth();
    bool fits = intTy.isUnsigned()
                    ? l.i >= 0 && (w == 64 || l.i < (int64_t(1) << w))
                    : w == 64 || (l.i >= -(int64_t(1) << (w - 1)) &&
                                  l.i < (int64_t(1) << (w - 1)));
    if (!fits) {
      error(v.loc) << "the literal " << l.i << " does not fit in "
                   << nnc::nn::formatDtype(intTy);
      return std::nullopt;
    }
    element = builder.getIntegerAttr(elemType, l.i);
  } else {
    element = builder.getFloatAttr(elemType, l.f);
  }
  auto value = mlir::DenseElementsAttr::get(type, llvm::ArrayRef(element));
  auto c = emit("nn.constant", v.loc, {},
                {builder.getNamedAttr("value", value)});
  if (!c)
    return std::nullopt;
  return c->tensor;
}

/// An elementwise op whose operands from index `firstLiteralOk` on may be
/// literals; a literal takes the element type of a tensor among them.
std::optional<Val>
Generator::elementwise(llvm::StringRef opName, llvm::StringRef what,
                       const Location &l, llvm::ArrayRef<Val> vals,
                       size_t firstLiteralOk,
                       llvm::ArrayRef<mlir::NamedAttribute> attrs) {
  const Val *typed = nullptr;
  for (size_t i = firstLiteralOk; i < vals.size() && !typed; ++i)
    if (vals[i].tensor)
      typed = &vals[i];
  llvm::SmallVector<mlir::Value> operands;
  for (size_t i = 0; i < vals.size(); ++i) {
    if (vals[i].tensor) {
      operands.push_back(vals[i].tensor);
      continue;
    }
    if (i < firstLiteralOk) {
      error(vals[i].loc) << "'" << what << "' needs a tensor here, got "
                         << describe(vals[i]);
      return std::nullopt;
    }
    if (!typed) {
      error(l) << "'" << what << "' needs at least one tensor operand; "
               << "a literal takes the dtype of the other operand";
      return std::nullopt;
    }
    auto c = materialize(
        vals[i], mlir::cast<mlir::ShapedType>(typed->tensor.getType())
                     .getElementType(),
        *typed);
    if (!c)
      return std::nullopt;
    operands.push_back(*c);
  }
  return emit(opName, l, operands, attrs);
}

std::optional<Val> Generator::matmul(const Val &lhs, const Val &rhs,
                                     const Location &l, llvm::StringRef what) {
  if (!lhs.tensor || !rhs.tensor) {
    error(l) << "'" << what << "' needs two tensors, got "
             << describe(lhs.tensor ? rhs : lhs);
    return std::nullopt;
  }
  auto lt = mlir::cast<mlir::RankedTensorType>(lhs.tensor.getType());
  auto rt = mlir::cast<mlir::RankedTensorType>(rhs.tensor.getType());
  std::string ls = nnc::nn::formatType(lt), rs = nnc::nn::formatType(rt);
  if (lt.getRank() == 0 || rt.getRank() == 0) {
    error(l) << "'" << what << "' needs tensors of rank >= 1, got " << ls
             << " " << what << " " << rs;
    return std::nullopt;
  }
  if (lt.getElementType() != rt.getElementType()) {
    error(l) << "'" << what << "' needs operands of the same dtype, got " << ls
             << " " << what << " " << rs;
    return std::nullopt;
  }
  int64_t k = lt.getShape().back();
  int64_t rk = rt.getRank() == 1 ? rt.getShape()[0]
                                 : rt.getShape()[rt.getRank() - 2];
  if (!mlir::ShapedType::isDynamic(k) && !mlir::ShapedType::isDynamic(rk) &&
      k != rk) {
    std::string dt = nnc::nn::formatDtype(lt.getElementType());
    std::string want = dt + "[" + (rt.getRank() > 2 ? "...," : "") +
                       std::to_string(k) + (rt.getRank() > 1 ? ",N]" : "]");
    error(l) << "'" << what << "' needs " << ls << " " << what << " " << want
             << ", got " << rs;
    return std::nullopt;
  }
  return emit("nn.matmul", l, {lhs.tensor, rhs.tensor}, {});
}

//===- Operators -----------------------------------------------------------===//

std::optional<Val> Generator::genOperator(const Signature &sig,
                                          const CallExpr &e,
                                          std::vector<Arg> &args) {
  llvm::StringRef name = sig.name;
  const Location &l = e.loc;
  auto attr = [&](llvm::StringRef n, mlir::Attribute a) {
    return builder.getNamedAttr(n, a);
  };
  auto rankOf = [](mlir::Value v) {
    return mlir::cast<mlir::RankedTensorType>(v.getType()).getRank();
  };
  auto tensors = [&](size_t n) -> std::optional<llvm::SmallVector<mlir::Value>> {
    llvm::SmallVector<mlir::Value> out;
    for (size_t i = 0; i < n; ++i) {
      auto t = argTensor(args[i], name);
      if (!t)
        return std::nullopt;
      out.push_back(*t);
    }
    return out;
  };

  if (sig.literalOperands) { // add ... pow, where
    llvm::SmallVector<Val> vals;
    for (const Arg &a : args)
      vals.push_back(*a.val);
    std::string opName = ("nn." + name).str();
    return elementwise(opName, name, l, vals, name == "where" ? 1 : 0, {});
  }
  if (name == "matmul")
    return matmul(*args[0].val, *args[1].val, l, name);

  if (name == "concat") {
    const Val &list = *args[0].val;
    if (!list.lit || list.lit->kind != Literal::List ||
        list.lit->elems.empty()) {
      argError(args[0], name) << "must be a non-empty list of tensors, got "
                              << describe(list);
      return std::nullopt;
    }
    llvm::SmallVector<mlir::Value> inputs;
    for (const Val &v : list.lit->elems) {
      if (!v.tensor) {
        error(v.loc) << "'concat' needs tensors in its list, got "
                     << describe(v);
        return std::nullopt;
      }
      inputs.push_back(v.tensor);
    }
    auto axis = argInt(args[1], name);
    if (!axis)
      return std::nullopt;
    auto norm = normAxis(*axis, rankOf(inputs[0]), args[1], name);
    if (!norm)
      return std::nullopt;
    return emit("nn.concat", l, inputs,
                {attr("axis", builder.getI64IntegerAttr(*norm))});
  }
  auto x = argTensor(args[0], name);
  if (!x)
    return std::nullopt;
  int64_t rank = rankOf(*x);

  if (llvm::is_contained({"neg", "abs", "exp", "log", "sqrt", "rsqrt", "tanh",
                          "sigmoid", "relu", "silu", "global_avg_pool"},
                         name))
    return emit(("nn." + name).str(), l, {*x}, {});
  if (name == "gelu") {
    auto approx = argString(args[1], name);
    if (!approx)
      return std::nullopt;
    return emit("nn.gelu", l, {*x},
                {attr("approximate", builder.getStringAttr(*approx))});
  }
  if (name == "cast") {
    const Val &d = *args[1].val;
    if (!d.lit || d.lit->kind != Literal::Dtype) {
      argError(args[1], name) << "must be " << argKindName(ArgKind::Dtype)
                              << ", got " << describe(d);
      return std::nullopt;
    }
    auto type = mlir::cast<mlir::RankedTensorType>(x->getType());
    return emit("nn.cast", l, {*x}, {},
                mlir::RankedTensorType::get(type.getShape(), dtype(d.lit->s)));
  }
  if (llvm::is_contained({"sum", "mean", "max", "min"}, name)) {
    auto axes = argInts(args[1], name);
    auto keep = axes ? argBool(args[2], name) : std::nullopt;
    if (!keep)
      return std::nullopt;
    llvm::SmallVector<int64_t> norm;
    for (int64_t a : *axes) {
      auto n = normAxis(a, rank, args[1], name);
      if (!n)
        return std::nullopt;
      if (llvm::is_contained(norm, *n)) {
        argError(args[1], name) << "names axis " << *n << " twice";
        return std::nullopt;
      }
      norm.push_back(*n);
    }
    llvm::sort(norm);
    return emit(("nn." + name).str(), l, {*x},
                {attr("axes", builder.getDenseI64ArrayAttr(norm)),
                 attr("keepdims", builder.getBoolAttr(*keep))});
  }
  if (name == "argmax" || name == "softmax" || name == "log_softmax" ||
      name == "flatten" || name == "gather") {
    size_t ai = name == "gather" ? 2 : 1;
    auto axis = argInt(args[ai], name);
    if (!axis)
      return std::nullopt;
    auto norm = normAxis(*axis, rank, args[ai], name, name == "flatten");
    if (!norm)
      return std::nullopt;
    llvm::SmallVector<mlir::NamedAttribute> attrs{
        attr("axis", builder.getI64IntegerAttr(*norm))};
    llvm::SmallVector<mlir::Value> operands{*x};
    if (name == "argmax") {
      auto keep = argBool(args[2], name);
      if (!keep)
        return std::nullopt;
      attrs.push_back(attr("keepdims", builder.getBoolAttr(*keep)));
    }
    if (name == "gather") {
      auto idx = argTensor(args[1], name);
      if (!idx)
        return std::nullopt;
      operands.push_back(*idx);
    }
    return emit(("nn." + name).str(), l, operands, attrs);
  }
  if (name == "layer_norm" || name == "rms_norm") {
    size_t n = name == "layer_norm" ? 3 : 2;
    auto ts = tensors(n);
    if (!ts)
      return std::nullopt;
    auto axis = argInt(args[n], name);
    auto norm = axis ? normAxis(*axis, rank, args[n], name) : std::nullopt;
    auto eps = norm ? argFloat(args[n + 1], name) : std::nullopt;
    if (!eps)
      return std::nullopt;
    return emit(("nn." + name).str(), l, *ts,
                {attr("axis", builder.getI64IntegerAttr(*norm)),
                 attr("eps", builder.getF64FloatAttr(*eps))});
  }
  if (name == "batch_norm") {
    auto ts = tensors(5);
    if (!ts)
      return std::nullopt;
    auto momentum = argFloat(args[5], name);
    auto eps = momentum ? argFloat(args[6], name) : std::nullopt;
    if (!eps)
      return std::nullopt;
    return emit("nn.batch_norm", l, *ts,
                {attr("momentum", builder.getF64FloatAttr(*momentum)),
                 attr("eps", builder.getF64FloatAttr(*eps)),
                 attr("training", builder.getBoolAttr(inLoss))});
  }
  if (name == "conv2d") {
    auto w = argTensor(args[1], name);
    if (!w)
      return std::nullopt;
    llvm::SmallVector<mlir::Value> operands{*x, *w};
    if (args[2].val) {
      auto b = argTensor(args[2], name);
      if (!b)
        return std::nullopt;
      operands.push_back(*b);
    }
    auto stride = argPair(args[3], name);
    auto padding = stride ? argPair(args[4], name) : std::nullopt;
    auto dilation = padding ? argPair(args[5], name) : std::nullopt;
    auto groups = dilation ? argInt(args[6], name) : std::nullopt;
    if (!groups)
      return std::nullopt;
    return emit("nn.conv2d", l, operands,
                {attr("stride", builder.getDenseI64ArrayAttr(*stride)),
                 attr("padding", builder.getDenseI64ArrayAttr(*padding)),
                 attr("dilation", builder.getDenseI64ArrayAttr(*dilation)),
                 attr("groups", builder.getI64IntegerAttr(*groups))});
  }
  if (name == "max_pool2d" || name == "avg_pool2d") {
    auto kernel = argPair(args[1], name);
    auto stride = kernel ? (args[2].val ? argPair(args[2], name) : kernel)
                         : std::nullopt;
    auto padding = stride ? argPair(args[3], name) : std::nullopt;
    if (!padding)
      return std::nullopt;
    return emit(("nn." + name).str(), l, {*x},
                {attr("kernel", builder.getDenseI64ArrayAttr(*kernel)),
                 attr("stride", builder.getDenseI64ArrayAttr(*stride)),
                 attr("padding", builder.getDenseI64ArrayAttr(*padding))});
  }
  if (name == "reshape" || name == "broadcast_to") {
    auto shape = argInts(args[1], name);
    if (!shape)
      return std::nullopt;
    return emit(("nn." + name).str(), l, {*x},
                {attr("shape", builder.getDenseI64ArrayAttr(*shape))});
  }
  if (name == "transpose") {
    llvm::SmallVector<int64_t> perm;
    if (args[1].val) {
      auto p = argInts(args[1], name);
      if (!p)
        return std::nullopt;
      for (int64_t a : *p) {
        auto n = normAxis(a, rank, args[1], name);
        if (!n)
          return std::nullopt;
        perm.push_back(*n);
      }
    } else {
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    }
    return emit("nn.transpose", l, {*x},
                {attr("perm", builder.getDenseI64ArrayAttr(perm))});
  }
  if (name == "slice") {
    auto axis = argInt(args[1], name);
    auto norm = axis ? normAxis(*axis, rank, args[1], name) : std::nullopt;
    auto start = norm ? argInt(args[2], name) : std::nullopt;
    if (!start)
      return std::nullopt;
    int64_t end = INT64_MAX;
    if (args[3].val) {
      auto e2 = argInt(args[3], name);
      if (!e2)
        return std::nullopt;
      end = *e2;
    } else {
      int64_t dim = mlir::cast<mlir::RankedTensorType>(x->getType())
                        .getShape()[*norm];
      if (!mlir::ShapedType::isDynamic(dim))
        end = dim;
    }
    auto step = argInt(args[4], name);
    if (!step)
      return std::nullopt;
    if (*step < 1) {
      argError(args[4], name) << "must be >= 1, got " << *step;
      return std::nullopt;
    }
    return emit("nn.slice", l, {*x},
                {attr("axis", builder.getI64IntegerAttr(*norm)),
                 attr("start", builder.getI64IntegerAttr(*start)),
                 attr("end", builder.getI64IntegerAttr(end)),
                 attr("step", builder.getI64IntegerAttr(*step))});
  }
  if (name == "embedding" || name == "cross_entropy" || name == "mse") {
    auto y = argTensor(args[1], name);
    if (!y)
      return std::nullopt;
    return emit(("nn." + name).str(), l, {*x, *y}, {});
  }
  if (name == "dropout") {
    auto p = argFloat(args[1], name);
    auto seed = p ? argInt(args[2], name) : std::nullopt;
    if (!seed)
      return std::nullopt;
    if (*p < 0 || *p >= 1) {
      argError(args[1], name) << "must be in [0, 1), got " << fmtDouble(*p);
      return std::nullopt;
    }
    // Random only in the loss entry, as batch_norm trains only there.
    return emit("nn.dropout", l, {*x},
                {attr("p", builder.getF64FloatAttr(*p)),
                 attr("seed", builder.getI64IntegerAttr(*seed)),
                 attr("training", builder.getBoolAttr(inLoss))});
  }
  error(l) << "operator '" << name << "' is not supported yet";
  return std::nullopt;
}
