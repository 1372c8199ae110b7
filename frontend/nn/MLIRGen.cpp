// MLIRGen: lowers a .nn AST to the nn dialect (func.func @forward and @loss).
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

//===- Locations and diagnostics -------------------------------------------===//

mlir::Location Generator::loc(const Location &l) {
  mlir::Location result = mlir::FileLineColLoc::get(
      &ctx, l.file ? *l.file : std::string("<input>"), l.line, l.col);
  if (callSites.empty())
    return result;
  // Inside inlined fn blocks: the innermost call site is the direct caller.
  mlir::Location caller = callSites.front();
  for (size_t i = 1; i < callSites.size(); ++i)
    caller = mlir::CallSiteLoc::get(callSites[i], caller);
  return mlir::CallSiteLoc::get(result, caller);
}

std::string Generator::describe(const Val &v) {
  if (v.tensor)
    return "a tensor " + nnc::nn::formatType(v.tensor.getType());
  const Literal &l = *v.lit;
  switch (l.kind) {
  case Literal::Number:
    return "the number " + (l.isInt ? std::to_string(l.i) : fmtDouble(l.f));
  case Literal::Bool:
    return l.b ? "true" : "false";
  case Literal::String:
    return "the string \"" + l.s + "\"";
  case Literal::List:
    return "a list";
  case Literal::Dtype:
    return "the dtype " + l.s;
  }
  return "a value";
}

//===- Declarations --------------------------------------------------------===//

mlir::Type Generator::dtype(llvm::StringRef name) {
  // The parser and isDtypeName admit only names parseDtype knows.
  return nnc::nn::parseDtype(builder.getContext(), name);
}

std::optional<mlir::RankedTensorType>
Generator::declType(const DeclStmt &decl) {
  llvm::SmallVector<int64_t> shape;
  for (const Dim &d : decl.type.dims) {
    if (d.size) {
      shape.push_back(*d.size);
      continue;
    }
    if (decl.role != DeclStmt::Role::Input) {
      error(d.loc) << roleName(decl.role) << " '" << decl.name
                   << "' has a dynamic dimension '" << d.name << "'; "
                   << roleName(decl.role) << " shapes must be static";
      return std::nullopt;
    }
    auto it = options.dims.find(d.name);
    shape.push_back(it != options.dims.end() ? it->second
                                             : mlir::ShapedType::kDynamic);
  }
  return mlir::RankedTensorType::get(shape, dtype(decl.type.dtype));
}

std::optional<std::string> Generator::initText(const DeclStmt &decl,
                                               mlir::RankedTensorType type) {
  const Expr &init = *decl.init;
  std::string name;
  std::vector<ExprPtr> noArgs;
  std::vector<KeywordArg> noKwargs;
  const std::vector<ExprPtr> *args = &noArgs;
  const std::vector<KeywordArg> *kwargs = &noKwargs;
  if (const auto *n = dyn_cast<NameExpr>(&init)) {
    name = n->name;
  } else if (const auto *c = dyn_cast<CallExpr>(&init)) {
    name = c->callee;
    args = &c->args;
    kwargs = &c->kwargs;
  } else {
    error(init.loc) << "expected an initializer (zeros, ones, const(v), "
                       "uniform(lo, hi), normal(mean, std), glorot_uniform, "
                       "he_normal or load(\"file.npy\"))";
    return std::nullopt;
  }
  const Signature *sig = lookupSignature(name, Signature::Category::Initializer);
  if (!sig) {
    error(init.loc) << "unknown initializer '" << name
                    << "'; expected zeros, ones, const, uniform, normal, "
                       "glorot_uniform, he_normal or load";
    return std::nullopt;
  }
  Scope empty;
  auto bound = bind(*sig, name, init.loc, *args, *kwargs, empty);
  if (!bound)
    return std::nullopt;
  std::vector<Arg> &a = *bound;
  std::string text;
  llvm::raw_string_ostream os(text);
  if (name == "zeros" || name == "ones") {
    os << name;
  } else if (name == "const") {
    auto v = argFloat(a[0], name);
    if (!v)
      return std::nullopt;
    os << "const(value=" << fmtDouble(*v) << ")";
  } else if (name == "uniform" || name == "normal") {
    auto p0 = argFloat(a[0], name);
    auto p1 = p0 ? argFloat(a[1], name) : std::nullopt;
    auto seed = p1 ? argInt(a[2], name) : std::nullopt;
    if (!seed)
      return std::nullopt;
    if (name == "uniform")
      os << "uniform(lo=" << fmtDouble(*p0) << ",hi=" << fmtDouble(*p1);
    else
      os << "normal(mean=" << fmtDouble(*p0) << ",std=" << fmtDouble(*p1);
    os << ",seed=" << *seed << ")";
  } else if (name == "glorot_uniform" || name == "he_normal") {
    auto seed = argInt(a[0], name);
    if (!seed)
      return std::nullopt;
    if (type.getRank() == 0) {
      error(init.loc) << name << " needs a tensor of rank >= 1 to compute its "
                      << "fans, but '" << decl.name << "' is "
                      << nnc::nn::formatType(type);
      return std::nullopt;
    }
    os << name << "(seed=" << *seed << ")";
  } else { // load
    auto path = argString(a[0], name);
    if (!path)
      return std::nullopt;
    llvm::SmallString<256> full(*path);
    if (!llvm::sys::path::is_absolute(full) && !options.baseDir.empty()) {
      full = options.baseDir;
      llvm::sys::path::append(full, *path);
    }
    NpyArray array;
    std::string why;
    if (!readNpy(full, array, why)) {
      error(a[0].loc) << "cannot load \"" << *path << "\": " << why;
      return std::nullopt;
    }
    std::string declared = nnc::nn::formatDtype(type.getElementType());
    if (array.dtype != declared ||
        llvm::ArrayRef<int64_t>(array.shape) != type.getShape()) {
      std::string got = array.dtype + "[";
      for (size_t i = 0; i < array.shape.size(); ++i)
        got += (i ? "," : "") + std::to_string(array.shape[i]);
      got += "]";
      error(a[0].loc) << "\"" << *path << "\" holds " << got << ", but '"
                           << decl.name << "' is declared "
                           << nnc::nn::formatType(type);
      return std::nullopt;
    }
    static const char *hex = "0123456789abcdef";
    os << "data(";
    for (uint8_t b : array.data)
      os << hex[b >> 4] << hex[b & 15];
    os << ")";
  }
  return text;
}

/// Gathers declarations, fns, the output and train lines; checks names.
mlir::LogicalResult Generator::collect() {
  llvm::StringMap<Location> defined;
  auto define = [&](const std::string &name, const Location &l) {
    auto [it, inserted] = defined.try_emplace(name, l);
    if (inserted)
      return true;
    auto diag = error(l);
    diag << "duplicate definition of '" << name << "'";
    diag.attachNote(loc(it->second))
        << "previous definition of '" << name << "' is here";
    return false;
  };
  for (const StmtPtr &s : ast.stmts) {
    switch (s->kind) {
    case Stmt::Kind::Model:
      model = cast<ModelStmt>(s.get());
      break;
    case Stmt::Kind::Decl: {
      const auto *d = cast<DeclStmt>(s.get());
      if (!define(d->name, d->nameLoc))
        return mlir::failure();
      decls.push_back(d);
      break;
    }
    case Stmt::Kind::Assign: {
      const auto *a = cast<AssignStmt>(s.get());
      if (!define(a->name, a->loc))
        return mlir::failure();
      break;
    }
    case Stmt::Kind::Output:
      if (output) {
        error(s->loc) << "duplicate 'output' statement";
        return mlir::failure();
      }
      output = cast<OutputStmt>(s.get());
      for (size_t i = 0; i < output->names.size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if (output->names[i].first == output->names[j].first) {
            error(output->names[i].second)
                << "'" << output->names[i].first << "' is output twice";
            return mlir::failure();
          }
      break;
    case Stmt::Kind::Train:
      if (train) {
        error(s->loc) << "duplicate 'train' statement";
        return mlir::failure();
      }
      train = cast<TrainStmt>(s.get());
      break;
    case Stmt::Kind::Fn: {
      const auto *f = cast<FnStmt>(s.get());
      if (lookupAnySignature(f->name)) {
        error(f->loc) << "fn '" << f->name << "' redefines the built-in '"
                      << f->name << "'";
        return mlir::failure();
      }
      if (!fns.try_emplace(f->name, f).second) {
        error(f->loc) << "duplicate definition of fn '" << f->name << "'";
        return mlir::failure();
      }
      break;
    }
    }
  }
  if (!output) {
    error(model->loc) << "model '" << model->name
                      << "' has no 'output' statement";
    return mlir::failure();
  }
  for (const DeclStmt *d : decls) {
    auto type = declType(*d);
    if (!type)
      return mlir::failure();
    declTypes.push_back(*type);
    if (d->init) {
      auto text = initText(*d, *type);
      if (!text)
        return mlir::failure();
      declInits.push_back(*text);
    } else {
      declInits.emplace_back();
    }
  }
  return mlir::success();
}

mlir::LogicalResult Generator::genFunction(llvm::StringRef name, bool isLoss) {
  inLoss = isLoss;
  llvm::SmallVector<mlir::Type> argTypes(declTypes.begin(), declTypes.end());
  auto func = mlir::func::FuncOp::create(
      loc(model->loc), name, builder.getFunctionType(argTypes, {}));
  mlir::Block *entry = func.addEntryBlock();
  builder.setInsertionPointToEnd(entry);
  auto cleanup = llvm::scope_exit([&] {
    if (func)
      func.erase();
  });

  Scope global;
  for (auto [i, d] : llvm::enumerate(decls)) {
    global.names[d->name] = Val{entry->getArgument(i), nullptr, d->nameLoc};
    llvm::SmallVector<mlir::NamedAttribute> attrs;
    attrs.push_back(builder.getNamedAttr("nn.name",
                                         builder.getStringAttr(d->name)));
    attrs.push_back(builder.getNamedAttr(
        "nn.role", builder.getStringAttr(roleName(d->role))));
    if (d->role == DeclStmt::Role::Input) {
      llvm::SmallVector<mlir::Attribute> dims;
      for (const Dim &dim : d->type.dims)
        dims.push_back(builder.getStringAttr(
            dim.size ? std::to_string(*dim.size) : dim.name));
      attrs.push_back(
          builder.getNamedAttr("nn.dims", builder.getArrayAttr(dims)));
    } else {
      attrs.push_back(builder.getNamedAttr(
          "nn.init", builder.getStringAttr(declInits[i])));
    }
    func.setArgAttrs(i, attrs);
  }

  for (const StmtPtr &s : ast.stmts) {
    const auto *a = dyn_cast<AssignStmt>(s.get());
    if (!a)
      continue;
    auto v = genExpr(*a->value, global);
    if (!v)
      return mlir::failure();
    global.names[a->name] = *v;
  }

  llvm::SmallVector<mlir::Value> results;
  llvm::SmallVector<std::string> resultNames;
  auto addResult = [&](const std::string &n, const Location &l,
                       const char *what) {
    const Val *v = global.lookup(n);
    if (!v) {
      error(l) << what << " names '" << n << "', which is not defined";
      return false;
    }
    if (!v->tensor) {
      error(l) << what << " '" << n << "' is " << describe(*v)
               << ", not a tensor";
      return false;
    }
    results.push_back(v->tensor);
    resultNames.push_back(n);
    return true;
  };
  if (isLoss) {
    if (!addResult(train->loss, train->lossLoc, "train"))
      return mlir::failure();
    auto type = mlir::cast<mlir::RankedTensorType>(results[0].getType());
    if (type.getRank() != 0 || !mlir::isa<mlir::FloatType>(type.getElementType())) {
      error(train->lossLoc) << "the loss '" << train->loss
                            << "' must be a float scalar (such as f32[]), got "
                            << nnc::nn::formatType(type);
      return mlir::failure();
    }
  }
  for (const auto &[n, l] : output->names)
    // The loss entries return the loss first; an `output` naming the loss
    // too is that same result, not a second one.
    if (!(isLoss && n == train->loss) && !addResult(n, l, "output"))
      return mlir::failure();

  mlir::func::ReturnOp::create(builder, loc(output->loc), results);
  llvm::SmallVector<mlir::Type> resultTypes;
  for (mlir::Value v : results)
    resultTypes.push_back(v.getType());
  func.setFunctionType(builder.getFunctionType(argTypes, resultTypes));
  for (auto [i, n] : llvm::enumerate(resultNames))
    func.setResultAttr(i, "nn.name", builder.getStringAttr(n));
  module->push_back(func);
  func = nullptr;
  return mlir::success();
}

mlir::LogicalResult Generator::genTrainAttr(mlir::ModuleOp m) {
  const Expr &opt = *train->optimizer;
  std::string name;
  std::vector<ExprPtr> noArgs;
  std::vector<KeywordArg> noKwargs;
  const std::vector<ExprPtr> *args = &noArgs;
  const std::vector<KeywordArg> *kwargs = &noKwargs;
  if (const auto *n = dyn_cast<NameExpr>(&opt)) {
    name = n->name;
  } else {
    const auto &c = cast<CallExpr>(opt);
    name = c.callee;
    args = &c.args;
    kwargs = &c.kwargs;
  }
  const Signature *sig = lookupSignature(name, Signature::Category::Optimizer);
  if (!sig) {
    error(opt.loc) << "unknown optimizer '" << name
                   << "'; expected sgd, adam or adamw";
    return mlir::failure();
  }
  Scope empty;
  auto bound = bind(*sig, name, opt.loc, *args, *kwargs, empty);
  if (!bound)
    return mlir::failure();
  llvm::SmallVector<mlir::NamedAttribute> attrs;
  attrs.push_back(
      builder.getNamedAttr("loss", builder.getStringAttr(train->loss)));
  attrs.push_back(
      builder.getNamedAttr("optimizer", builder.getStringAttr(name)));
  for (const Arg &a : *bound) {
    auto v = argFloat(a, name);
    if (!v)
      return mlir::failure();
    bool isLr = a.spec->name == llvm::StringRef("lr");
    if (*v < 0 || (isLr && *v == 0)) {
      argError(a, name) << (isLr ? "must be > 0" : "must be >= 0") << ", got "
                        << fmtDouble(*v);
      return mlir::failure();
    }
    // adam's bias corrections divide by 1 - beta^t.
    llvm::StringRef key = a.spec->name;
    if ((key == "beta1" || key == "beta2") && *v >= 1) {
      argError(a, name) << "must be < 1, got " << fmtDouble(*v);
      return mlir::failure();
    }
    attrs.push_back(builder.getNamedAttr(a.spec->name, builder.getF64FloatAttr(*v)));
  }
  m->setAttr("nn.train", builder.getDictionaryAttr(attrs));
  return mlir::success();
}

//===- Expressions ---------------------------------------------------------===//

std::optional<Val> Generator::genExpr(const Expr &e, Scope &scope) {
  auto literal = [&](Literal::Kind kind) {
    auto l = std::make_shared<Literal>();
    l->kind = kind;
    return l;
  };
  switch (e.kind) {
  case Expr::Kind::Number: {
    const auto &n = cast<NumberExpr>(e);
    auto l = literal(Literal::Number);
    l->f = n.value;
    l->i = n.intValue;
    l->isInt = n.isInt;
    return Val{{}, l, e.loc};
  }
  case Expr::Kind::Bool: {
    auto l = literal(Literal::Bool);
    l->b = cast<BoolExpr>(e).value;
    return Val{{}, l, e.loc};
  }
  case Expr::Kind::String: {
    auto l = literal(Literal::String);
    l->s = cast<StringExpr>(e).value;
    return Val{{}, l, e.loc};
  }
  case Expr::Kind::List: {
    auto l = literal(Literal::List);
    for (const ExprPtr &x : cast<ListExpr>(e).elements) {
      auto v = genExpr(*x, scope);
      if (!v)
        return std::nullopt;
      l->elems.push_back(*v);
    }
    return Val{{}, l, e.loc};
  }
  case Expr::Kind::Name:
    return genName(cast<NameExpr>(e), scope);
  case Expr::Kind::Unary: {
    auto v = genExpr(*cast<UnaryExpr>(e).operand, scope);
    if (!v)
      return std::nullopt;
    if (v->lit) {
      if (v->lit->kind != Literal::Number) {
        error(e.loc) << "unary '-' needs a tensor or a number, got "
                     << describe(*v);
        return std::nullopt;
      }
      auto l = std::make_shared<Literal>(*v->lit);
      l->f = -l->f;
      l->i = -l->i;
      return Val{{}, l, e.loc};
    }
    return emit("nn.neg", e.loc, {v->tensor}, {});
  }
  case Expr::Kind::Binary:
    return genBinary(cast<BinaryExpr>(e), scope);
  case Expr::Kind::Call:
    return genCall(cast<CallExpr>(e), scope);
  }
  return std::nullopt;
}

std::optional<Val> Generator::genName(const NameExpr &e, Scope &scope) {
  if (const Val *v = scope.lookup(e.name)) {
    Val copy = *v;
    if (copy.lit)
      copy.loc = e.loc;
    return copy;
  }
  if (isDtypeName(e.name)) {
    auto l = std::make_shared<Literal>();
    l->kind = Literal::Dtype;
    l->s = e.name;
    return Val{{}, l, e.loc};
  }
  if (fns.count(e.name) || lookupSignature(e.name, Signature::Category::Operator)) {
    error(e.loc) << "'" << e.name << "' is a function; call it as " << e.name
                 << "(...)";
    return std::nullopt;
  }
  error(e.loc) << "unknown name '" << e.name << "'";
  return std::nullopt;
}

std::optional<Val> Generator::genBinary(const BinaryExpr &e, Scope &scope) {
  auto lhs = genExpr(*e.lhs, scope);
  if (!lhs)
    return std::nullopt;
  auto rhs = genExpr(*e.rhs, scope);
  if (!rhs)
    return std::nullopt;
  const char *spelling = binOpSpelling(e.op);
  const char *opName = nullptr;
  const char *predicate = nullptr;
  switch (e.op) {
  case BinOp::Add: opName = "nn.add"; break;
  case BinOp::Sub: opName = "nn.sub"; break;
  case BinOp::Mul: opName = "nn.mul"; break;
  case BinOp::Div: opName = "nn.div"; break;
  case BinOp::MatMul: return matmul(*lhs, *rhs, e.loc, spelling);
  case BinOp::Eq: predicate = "eq"; break;
  case BinOp::Ne: predicate = "ne"; break;
  case BinOp::Lt: predicate = "lt"; break;
  case BinOp::Le: predicate = "le"; break;
  case BinOp::Gt: predicate = "gt"; break;
  case BinOp::Ge: predicate = "ge"; break;
  }
  // Name the operator as the user wrote it rather than the op it becomes.
  if (lhs->tensor && rhs->tensor) {
    auto lt = mlir::cast<mlir::ShapedType>(lhs->tensor.getType());
    auto rt = mlir::cast<mlir::ShapedType>(rhs->tensor.getType());
    if (lt.getElementType() != rt.getElementType()) {
      error(e.loc) << "'" << spelling
                   << "' needs operands of the same dtype, got "
                   << nnc::nn::formatType(lt) << " " << spelling << " "
                   << nnc::nn::formatType(rt);
      return std::nullopt;
    }
  }
  if (predicate)
    return elementwise("nn.compare", spelling, e.loc, {*lhs, *rhs}, 0,
                       {builder.getNamedAttr("predicate",
                                             builder.getStringAttr(predicate))});
  return elementwise(opName, spelling, e.loc, {*lhs, *rhs}, 0, {});
}

std::optional<Val> Generator::genCall(const CallExpr &e, Scope &scope) {
  auto fn = fns.find(e.callee);
  if (fn != fns.end())
    return genFnCall(*fn->second, e, scope);
  const Signature *sig =
      lookupSignature(e.callee, Signature::Category::Operator);
  if (!sig) {
    if (const Signature *other = lookupAnySignature(e.callee)) {
      if (other->category == Signature::Category::Initializer)
        error(e.loc) << "'" << e.callee << "' is an initializer; it can only "
                     << "follow '=' in a param or state declaration";
      else
        error(e.loc) << "'" << e.callee
                     << "' is an optimizer; it can only follow 'with' in a "
                        "train statement";
      return std::nullopt;
    }
    error(e.loc) << "unknown operator '" << e.callee << "'";
    return std::nullopt;
  }
  auto args = bind(*sig, e.callee, e.loc, e.args, e.kwargs, scope);
  if (!args)
    return std::nullopt;
  return genOperator(*sig, e, *args);
}

std::optional<Val> Generator::genFnCall(const FnStmt &fn, const CallExpr &e,
                                        Scope &scope) {
  if (!e.kwargs.empty()) {
    error(e.kwargs[0].loc) << "fn '" << fn.name
                           << "' takes positional arguments only";
    return std::nullopt;
  }
  if (e.args.size() != fn.params.size()) {
    error(e.loc) << "fn '" << fn.name << "' takes " << fn.params.size()
                 << " argument" << (fn.params.size() == 1 ? "" : "s")
                 << ", got " << e.args.size();
    return std::nullopt;
  }
  if (fnStack.size() >= kMaxFnDepth) {
    error(e.loc) << "fn calls are nested more than " << kMaxFnDepth
                 << " deep";
    return std::nullopt;
  }
  if (llvm::is_contained(fnStack, &fn)) {
    error(e.loc) << "recursive call to fn '" << fn.name
                 << "'; fn blocks are inlined and cannot recurse";
    return std::nullopt;
  }
  Scope *global = &scope;
  while (global->parent)
    global = global->parent;
  Scope local;
  local.parent = global;
  for (size_t i = 0; i < e.args.size(); ++i) {
    auto v = genExpr(*e.args[i], scope);
    if (!v)
      return std::nullopt;
    local.names[fn.params[i].first] = *v;
    local.defs[fn.params[i].first] = fn.params[i].second;
  }
  fnStack.push_back(&fn);
  callSites.push_back(mlir::FileLineColLoc::get(&ctx, *e.loc.file, e.loc.line,
                                                e.loc.col));
  auto pop = llvm::scope_exit([&] {
    fnStack.pop_back();
    callSites.pop_back();
  });
  for (const auto &a : fn.body) {
    auto prev = local.defs.find(a->name);
    if (prev != local.defs.end()) {
      error(a->loc) << "duplicate definition of '" << a->name << "' in fn '"
                    << fn.name << "'";
      return std::nullopt;
    }
    auto v = genExpr(*a->value, local);
    if (!v)
      return std::nullopt;
    local.names[a->name] = *v;
    local.defs[a->name] = a->loc;
  }
  return genExpr(*fn.result, local);
}

//===- Entry ---------------------------------------------------------------===//

mlir::OwningOpRef<mlir::ModuleOp> Generator::run() {
  for (const StmtPtr &s : ast.stmts)
    if (const auto *m = dyn_cast<ModelStmt>(s.get())) {
      model = m;
      break;
    }
  if (!model) {
    mlir::emitError(mlir::UnknownLoc::get(&ctx)) << "missing 'model NAME'";
    return nullptr;
  }
  module = mlir::ModuleOp::create(loc(model->loc));
  (*module)->setAttr("nn.model", builder.getStringAttr(model->name));
  if (mlir::failed(collect()) || mlir::failed(genFunction("forward", false)))
    return nullptr;
  if (train) {
    if (mlir::failed(genFunction("loss", true)) ||
        mlir::failed(genTrainAttr(*module)))
      return nullptr;
  }
  return std::move(module);
}

mlir::OwningOpRef<mlir::ModuleOp>
nnc::nnlang::mlirGen(mlir::MLIRContext &context, const Module &module,
                     const MLIRGenOptions &options) {
  context.loadDialect<nnc::nn::NNDialect, mlir::func::FuncDialect>();
  return Generator(context, module, options).run();
}
