//===- Autodiff.cpp - nn-autodiff: reverse-mode gradients of the loss -----===//
//
// Clones the loss function into `@<loss>_grad` and walks its ops backwards,
// asking each op on a path from a param to the loss for its vector-Jacobian
// product (DifferentiableOpInterface). Cotangents of values used several
// times are summed. The result returns the loss and one gradient per param.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "ir/NNOps.h"
#include "ir/VJPBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <cmath>

namespace nnc {
#define GEN_PASS_DEF_NNAUTODIFF
#include "passes/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::nn;

namespace {

bool isFloatTensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && isa<FloatType>(t.getElementType());
}

/// Reverse-mode accumulation over the body of `f` (a clone of @loss):
/// builds, before the terminator, d loss / d param for every param, in
/// order (a zero tensor for a param the loss does not depend on).
FailureOr<SmallVector<Value>> buildGradients(func::FuncOp f, Value lossValue,
                                             ArrayRef<BlockArgument> params,
                                             OpBuilder &b) {
  Block &body = f.getBody().front();
  auto lossType = dyn_cast<RankedTensorType>(lossValue.getType());
  if (!lossType || lossType.getRank() != 0 || !isFloatTensor(lossValue))
    return emitError(lossValue.getLoc())
           << "nn-autodiff: the loss must be a float scalar, got "
           << formatType(lossValue.getType());

  // Active: depends on a param. Useful: the loss depends on it. An op with
  // an active operand and a useful result is on the path and needs a rule.
  llvm::DenseSet<Value> active(params.begin(), params.end()), useful;
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator()) {
    ops.push_back(&op);
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return active.contains(v); }))
      active.insert(op.result_begin(), op.result_end());
  }
  useful.insert(lossValue);
  for (Operation *op : llvm::reverse(ops))
    if (llvm::any_of(op->getResults(),
                     [&](Value v) { return useful.contains(v); }))
      useful.insert(op->operand_begin(), op->operand_end());

  llvm::DenseMap<Value, Value> cotangent;
  bool ok = true;
  // Sums a contribution into the cotangent of `v`, at `v`'s op location.
  auto accumulate = [&](Value v, Value g, Location at) {
    Value &slot = cotangent[v];
    if (!slot) {
      slot = g;
      return;
    }
    auto sum = createChecked<AddOp>(b, at, slot, g);
    if (!sum)
      ok = false;
    else
      slot = sum.getResult();
  };
  cotangent[lossValue] =
      VJPBuilder{b, lossValue.getLoc()}.scalar(lossType.getElementType(), 1.0);

  for (Operation *op : llvm::reverse(ops)) {
    bool onPath = llvm::any_of(op->getOperands(),
                               [&](Value v) { return active.contains(v); }) &&
                  llvm::any_of(op->getResults(),
                               [&](Value v) { return useful.contains(v); });
    if (!onPath)
      continue;
    auto rule = dyn_cast<DifferentiableOpInterface>(op);
    if (!rule) {
      op->emitError() << "no gradient for '" << op->getName().stripDialect()
                      << "'";
      ok = false;
      continue;
    }
    SmallVector<Value> cts;
    for (Value r : op->getResults())
      cts.push_back(cotangent.lookup(r));
    if (llvm::all_of(cts, [](Value c) { return !c; }))
      continue; // only integer results lead to the loss: no gradient flows
    SmallVector<Value> grads;
    if (failed(rule.buildVJP(b, cts, grads)) ||
        grads.size() != op->getNumOperands()) {
      ok = false;
      continue;
    }
    for (auto [operand, g] : llvm::zip(op->getOperands(), grads)) {
      if (!g || !active.contains(operand) || !isFloatTensor(operand))
        continue;
      auto want = cast<RankedTensorType>(operand.getType());
      auto have = cast<RankedTensorType>(g.getType());
      if (failed(verifyCompatibleShape(want, have)) ||
          want.getElementType() != have.getElementType()) {
        op->emitError() << "nn-autodiff: the gradient rule of '"
                        << op->getName().stripDialect() << "' gave "
                        << formatType(have) << " for an operand of type "
                        << formatType(want);
        ok = false;
        continue;
      }
      accumulate(operand, g, op->getLoc());
    }
  }
  if (!ok)
    return failure();

  SmallVector<Value> grads;
  for (BlockArgument p : params) {
    Value g = cotangent.lookup(p);
    if (!g) {
      Type et = cast<RankedTensorType>(p.getType()).getElementType();
      Value z = VJPBuilder{b, f.getLoc()}.scalar(et, 0.0);
      Value t = VJPBuilder{b, f.getLoc()}.scalar(b.getI1Type(), 1.0);
      auto spread = createChecked<WhereOp>(b, f.getLoc(), t, z, p);
      if (!spread)
        return failure();
      g = spread.getResult();
    }
    grads.push_back(g);
  }
  return grads;
}

SmallVector<BlockArgument> argsWithRole(func::FuncOp f, StringRef role) {
  SmallVector<BlockArgument> out;
  for (BlockArgument arg : f.getArguments()) {
    auto r = f.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "nn.role");
    if (r && r.getValue() == role)
      out.push_back(arg);
  }
  return out;
}

std::string argName(func::FuncOp f, BlockArgument a) {
  auto name = f.getArgAttrOfType<StringAttr>(a.getArgNumber(), "nn.name");
  return name ? name.getValue().str() : "arg" + std::to_string(a.getArgNumber());
}

/// Erases the pure ops of `f` whose results nothing uses.
void eraseDeadOps(func::FuncOp f) {
  SmallVector<Operation *> all;
  for (Operation &op : f.getBody().front().without_terminator())
    all.push_back(&op);
  for (Operation *op : llvm::reverse(all))
    if (op->use_empty() && isPure(op))
      op->erase();
}

/// Clones @loss as `name` and checks its shape: one block, loss first.
FailureOr<func::FuncOp> cloneLoss(func::FuncOp loss, StringRef name) {
  if (!loss.getBody().hasOneBlock() || loss.getNumResults() == 0)
    return loss.emitError("nn-autodiff: the loss function must have one "
                          "block and return the loss first");
  auto module = loss->getParentOfType<ModuleOp>();
  if (module.lookupSymbol(name))
    return loss.emitError() << "nn-autodiff: '" << name << "' exists already";
  OpBuilder b(loss);
  b.setInsertionPointAfter(loss);
  auto f = cast<func::FuncOp>(b.clone(*loss));
  f.setSymName(name);
  return f;
}

/// Adds `@loss_grad`: the loss, then d loss / d param per param.
LogicalResult buildLossGrad(func::FuncOp loss) {
  FailureOr<func::FuncOp> cloned = cloneLoss(loss, "loss_grad");
  if (failed(cloned))
    return failure();
  func::FuncOp grad = *cloned;
  auto ret = cast<func::ReturnOp>(grad.getBody().front().getTerminator());
  Value lossValue = ret.getOperand(0);
  SmallVector<BlockArgument> params = argsWithRole(grad, "param");
  OpBuilder b(ret);
  FailureOr<SmallVector<Value>> grads =
      buildGradients(grad, lossValue, params, b);
  if (failed(grads))
    return failure();

  SmallVector<Value> results{lossValue};
  SmallVector<Attribute> resultAttrs{
      b.getDictionaryAttr(b.getNamedAttr("nn.name", b.getStringAttr("loss")))};
  for (auto [p, g] : llvm::zip(params, *grads)) {
    results.push_back(g);
    resultAttrs.push_back(b.getDictionaryAttr(b.getNamedAttr(
        "nn.name", b.getStringAttr("grad_" + argName(grad, p)))));
  }
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  grad.setType(b.getFunctionType(grad.getArgumentTypes(),
                                 ValueRange(results).getTypes()));
  grad.setAllResultAttrs(resultAttrs);
  // The forward outputs the loss function also returned are dead now.
  eraseDeadOps(grad);
  return success();
}

//===----------------------------------------------------------------------===//
// @train_step: the gradients, the optimizer update and state updates
//===----------------------------------------------------------------------===//

/// VJPBuilder plus the combination the optimizers are written with.
struct Ops : VJPBuilder {
  Ops(OpBuilder &b, Location loc) : VJPBuilder{b, loc} {}

  Value sqrt(Value x) { return x ? make<SqrtOp>(x) : Value(); }

  /// `1 - beta^t` (t >= 1, a step count) without the cancellation of
  /// `1 - exp(t ln beta)`: in f32, exp's rounding (6e-8 absolute) is 6e-5 of
  /// 1 - 0.999 = 1e-3, which made Adam's first steps 6e-5 too long. It is
  /// -expm1(x), x = t ln beta (ln beta from the host, in double): for
  /// x > -1/2 Taylor's series to x^8 (truncation below 2e-8 relative; each
  /// Horner step adds to 1 a term at most a quarter of it, so nothing
  /// cancels), else 1 - exp(x) >= 0.39, where exp's rounding is small.
  /// Not Kahan's (u - 1) x / ln u: it needs a log accurate relative to its
  /// result near 1, which lavapipe's is not (6e-5 at 0.999).
  Value oneMinusPow(Value t, double beta, Type et) {
    Value x = mul(t, scalar(et, std::log(beta)));
    Value one = scalar(et, 1.0);
    Value series = add(one, mul(x, scalar(et, 1.0 / 8)));
    for (int k = 7; k >= 2; --k)
      series = add(one, mul(mul(x, scalar(et, 1.0 / k)), series));
    Value small = mul(x, series);
    Value large = sub(exp(x), one);
    Value near = compare("gt", x, scalar(et, -0.5));
    return neg(where(near, small, large));
  }

  /// `x` as elements of `et` (itself where it has them).
  Value castTo(Value x, Type et) {
    if (!x || type(x).getElementType() == et)
      return x;
    return CastOp::create(b, loc, x, et).getResult();
  }

  /// `a * x + c * y` with scalar coefficients; a coefficient of 1 is skipped.
  Value axpby(double a, Value x, double c, Value y, Type et) {
    Value l = a == 1.0 ? x : mul(scalar(et, a), x);
    Value r = c == 1.0 ? y : mul(scalar(et, c), y);
    return add(l, r);
  }
};

bool isNarrowFloat(Type t) { return t.isF16() || t.isBF16(); }

/// The dtype of a param's optimizer state (Adam's m and v, SGD's momentum
/// buffer). The update of an f16 or bf16 param is computed in f32 and each
/// result rounded once; an f16 param's states are kept in f32 because f16's
/// range is not enough: Adam's eps (1e-8) and v (the squared gradient, 1e-8
/// for a gradient of 1e-4) are below its smallest subnormal (6e-8), so v
/// flushed to 0 and m / (sqrt(v) + eps) became inf or NaN. bf16 has f32's
/// range: its states stay bf16, as PyTorch keeps them, at half the bytes.
Type stateType(RankedTensorType param) {
  if (!param.getElementType().isF16())
    return param;
  return param.clone(Float32Type::get(param.getContext()));
}

struct Hyper {
  std::string optimizer;
  double lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weightDecay = 0, momentum = 0;
};

FailureOr<Hyper> readHyper(ModuleOp module, DictionaryAttr train) {
  Hyper h;
  auto opt = train.getAs<StringAttr>("optimizer");
  if (!opt)
    return module.emitError("nn-autodiff: nn.train has no optimizer");
  h.optimizer = opt.getValue().str();
  if (h.optimizer != "sgd" && h.optimizer != "adam" && h.optimizer != "adamw")
    return module.emitError() << "nn-autodiff: unknown optimizer '"
                              << h.optimizer << "'";
  auto get = [&](StringRef key, double &out) {
    if (auto f = train.getAs<FloatAttr>(key))
      out = f.getValueAsDouble();
    else if (auto i = train.getAs<IntegerAttr>(key))
      out = double(i.getInt());
  };
  get("lr", h.lr);
  get("beta1", h.beta1);
  get("beta2", h.beta2);
  get("eps", h.eps);
  get("weight_decay", h.weightDecay);
  get("momentum", h.momentum);
  return h;
}

/// Appends a session-resident state argument (zeros) to `f`.
BlockArgument addState(func::FuncOp f, StringRef name, Type type) {
  Builder b(f.getContext());
  unsigned idx = f.getNumArguments();
  SmallVector<NamedAttribute> attrs{
      b.getNamedAttr("nn.init", b.getStringAttr("zeros")),
      b.getNamedAttr("nn.name", b.getStringAttr(name)),
      b.getNamedAttr("nn.role", b.getStringAttr("state"))};
  (void)f.insertArgument(idx, type, b.getDictionaryAttr(attrs), f.getLoc());
  return f.getArgument(idx);
}

/// The running statistic `what` ("mean" or "var") of a training batch_norm
/// as a state argument of `f`, which train_step updates: anything else
/// (a param, which the optimizer would also update, or a computed value,
/// which nothing can update) and a state that another running statistic
/// already uses (two updates of one state) are errors at the op.
FailureOr<BlockArgument>
runningStatState(func::FuncOp f, BatchNormOp op, Value stat, StringRef what,
                 llvm::DenseMap<BlockArgument, BatchNormOp> &owner) {
  auto arg = dyn_cast<BlockArgument>(stat);
  if (arg && arg.getOwner()->getParentOp() == f) {
    unsigned i = arg.getArgNumber();
    auto role = f.getArgAttrOfType<StringAttr>(i, "nn.role");
    auto name = f.getArgAttrOfType<StringAttr>(i, "nn.name");
    StringRef n = name ? name.getValue() : StringRef("?");
    if (role && role.getValue() == "state") {
      auto [it, inserted] = owner.try_emplace(arg, op);
      if (inserted)
        return arg;
      InFlightDiagnostic d = op.emitError()
                             << "state '" << n << "' is the running " << what
                             << " of this batch_norm and of another "
                                "statistic: train_step would update it twice; "
                                "give each batch_norm its own mean and var";
      if (it->second != op)
        d.attachNote(it->second.getLoc()) << "'" << n << "' is also used here";
      return failure();
    }
    if (role && role.getValue() == "param")
      return op.emitError() << "the running " << what << " of a trained "
                            << "batch_norm must be declared with 'state' "
                            << "(train_step updates it); '" << n
                            << "' is a param, which the optimizer would train";
  }
  return op.emitError() << "the running " << what << " of a trained "
                        << "batch_norm must be a 'state' declaration "
                        << "(train_step updates it), not a computed value";
}

/// The update of a training batch_norm's running statistics (PyTorch's
/// rule): `mean <- (1 - m) mean + m batch_mean`, `var <- (1 - m) var + m
/// n / (n - 1) batch_var` with n the count per channel.
LogicalResult addBatchNormUpdates(
    func::FuncOp f, OpBuilder &b,
    SmallVectorImpl<std::pair<BlockArgument, Value>> &updates) {
  SmallVector<BatchNormOp> norms;
  f.walk([&](BatchNormOp op) {
    if (op.getTraining())
      norms.push_back(op);
  });
  llvm::DenseMap<BlockArgument, BatchNormOp> owner;
  for (BatchNormOp op : norms) {
    FailureOr<BlockArgument> mean =
        runningStatState(f, op, op.getMean(), "mean", owner);
    if (failed(mean))
      return failure();
    FailureOr<BlockArgument> var =
        runningStatState(f, op, op.getVar(), "var", owner);
    if (failed(var))
      return failure();
    Ops o{b, op.getLoc()};
    Value x = op.getX();
    auto xt = cast<RankedTensorType>(x.getType());
    Type et = xt.getElementType();
    SmallVector<int64_t> axes{0};
    for (int64_t i = 2; i < xt.getRank(); ++i)
      axes.push_back(i);
    double m = op.getMomentum().convertToDouble();
    {
      Value batchMean = o.mean(x, axes, false);
      Value next = o.axpby(1.0 - m, *mean, m, batchMean, et);
      if (!next)
        return failure();
      updates.push_back({*mean, next});
    }
    {
      Value centered = o.sub(x, o.mean(x, axes, true));
      Value biased = o.mean(o.mul(centered, centered), axes, false);
      // n per channel, counted so that a dynamic batch needs no shape op.
      Value ones = o.make<WhereOp>(o.scalar(b.getI1Type(), 1.0),
                                   o.scalar(et, 1.0), x);
      Value n = o.sum(ones, axes, false);
      Value unbiased =
          o.mul(biased, o.div(n, o.sub(n, o.scalar(et, 1.0))));
      Value next = o.axpby(1.0 - m, *var, m, unbiased, et);
      if (!next)
        return failure();
      updates.push_back({*var, next});
    }
  }
  return success();
}

/// Adds `@train_step`: @loss's inputs, params and states plus the
/// optimizer's state; returns the loss and @loss's outputs, and (results
/// marked `nn.update = "NAME"`) the next value of every param and state.
LogicalResult buildTrainStep(func::FuncOp loss, DictionaryAttr train) {
  auto module = loss->getParentOfType<ModuleOp>();
  FailureOr<Hyper> hyper = readHyper(module, train);
  if (failed(hyper))
    return failure();
  FailureOr<func::FuncOp> cloned = cloneLoss(loss, "train_step");
  if (failed(cloned))
    return failure();
  func::FuncOp step = *cloned;
  SmallVector<BlockArgument> params = argsWithRole(step, "param");

  // Optimizer state, in the order PyTorch's state_dict lists it.
  const Hyper &h = *hyper;
  bool adam = h.optimizer == "adam" || h.optimizer == "adamw";
  bool sgdMomentum = h.optimizer == "sgd" && h.momentum != 0;
  Type f32 = Float32Type::get(step.getContext());
  BlockArgument stepCount =
      addState(step, "opt.step", RankedTensorType::get({}, f32));
  SmallVector<BlockArgument> m1, m2;
  for (BlockArgument p : params) {
    std::string name = argName(step, p);
    Type st = stateType(cast<RankedTensorType>(p.getType()));
    if (adam) {
      m1.push_back(addState(step, "opt.m." + name, st));
      m2.push_back(addState(step, "opt.v." + name, st));
    } else if (sgdMomentum) {
      m1.push_back(addState(step, "opt.buf." + name, st));
    }
  }

  Block &body = step.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  Value lossValue = ret.getOperand(0);
  // The step count t = opt.step + 1, first: a training dropout draws its
  // mask from (seed, t), a new mask each step, and its gradient (built
  // next) reuses the same operand.
  OpBuilder b(&body, body.begin());
  Value t;
  {
    Ops o{b, step.getLoc()};
    t = o.add(stepCount, o.scalar(f32, 1.0));
    if (!t)
      return failure();
  }
  step.walk([&](DropoutOp op) {
    if (op.getTraining() && !op.getStep())
      op.getStepMutable().assign(t);
  });
  b.setInsertionPoint(ret);
  FailureOr<SmallVector<Value>> grads =
      buildGradients(step, lossValue, params, b);
  if (failed(grads))
    return failure();

  SmallVector<std::pair<BlockArgument, Value>> updates;
  if (failed(addBatchNormUpdates(step, b, updates)))
    return failure();

  Ops o{b, step.getLoc()};
  updates.push_back({stepCount, t});
  llvm::DenseMap<Type, std::pair<Value, Value>> corrections;
  for (auto [i, p] : llvm::enumerate(params)) {
    // A narrow float's update is computed in f32 and rounded once (see
    // stateType); states of f16 params are f32.
    Type pt = cast<RankedTensorType>(p.getType()).getElementType();
    Type et = isNarrowFloat(pt) ? f32 : pt;
    auto widen = [&](Value x) { return o.castTo(x, et); };
    auto narrow = [&](Value x, Value like) {
      return o.castTo(x, cast<RankedTensorType>(like.getType())
                             .getElementType());
    };
    Value g = widen((*grads)[i]);
    Value pw = widen(p);
    Value next;
    if (h.optimizer == "sgd") {
      if (h.weightDecay != 0)
        g = o.axpby(1.0, g, h.weightDecay, pw, et);
      if (sgdMomentum) {
        // buf <- momentum buf + g (PyTorch's first step sets buf = g, the
        // same from a zero buf).
        g = o.axpby(h.momentum, widen(m1[i]), 1.0, g, et);
        updates.push_back({m1[i], narrow(g, m1[i])});
      }
      next = o.sub(pw, o.mul(o.scalar(et, h.lr), g));
    } else {
      Value base = pw;
      if (h.optimizer == "adamw")
        base = o.mul(o.scalar(et, 1.0 - h.lr * h.weightDecay), pw);
      else if (h.weightDecay != 0)
        g = o.axpby(1.0, g, h.weightDecay, pw, et);
      Value m = o.axpby(h.beta1, widen(m1[i]), 1.0 - h.beta1, g, et);
      Value v =
          o.axpby(h.beta2, widen(m2[i]), 1.0 - h.beta2, o.mul(g, g), et);
      updates.push_back({m1[i], narrow(m, m1[i])});
      updates.push_back({m2[i], narrow(v, m2[i])});
      // Bias corrections 1 - beta^t from the step count t, once per dtype:
      // stepSize = lr / (1 - beta1^t), sqrtBc2 = sqrt(1 - beta2^t).
      auto &[stepSize, sqrtBc2] = corrections[et];
      if (!stepSize) {
        Value tt = o.castTo(t, et);
        stepSize =
            o.div(o.scalar(et, h.lr), o.oneMinusPow(tt, h.beta1, et));
        sqrtBc2 = o.sqrt(o.oneMinusPow(tt, h.beta2, et));
      }
      // p <- p - (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps), as PyTorch.
      Value denom = o.add(o.div(o.sqrt(v), sqrtBc2), o.scalar(et, h.eps));
      next = o.sub(base, o.mul(stepSize, o.div(m, denom)));
    }
    if (!next)
      return failure();
    updates.push_back({p, narrow(next, p)});
  }

  // The loss and the outputs as @loss returns them, then the updates.
  SmallVector<Value> results(ret.getOperands());
  SmallVector<Attribute> resultAttrs;
  for (unsigned i = 0, e = ret.getNumOperands(); i < e; ++i)
    resultAttrs.push_back(step.getResultAttrDict(i)
                              ? Attribute(step.getResultAttrDict(i))
                              : b.getDictionaryAttr({}));
  for (auto [arg, value] : updates) {
    std::string name = argName(step, arg);
    results.push_back(value);
    resultAttrs.push_back(b.getDictionaryAttr(
        {b.getNamedAttr("nn.name", b.getStringAttr(name)),
         b.getNamedAttr("nn.update", b.getStringAttr(name))}));
  }
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  step.setType(b.getFunctionType(step.getArgumentTypes(),
                                 ValueRange(results).getTypes()));
  step.setAllResultAttrs(resultAttrs);
  eraseDeadOps(step);
  return success();
}

struct NNAutodiff : nnc::impl::NNAutodiffBase<NNAutodiff> {
  using NNAutodiffBase::NNAutodiffBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto train = module->getAttrOfType<DictionaryAttr>("nn.train");
    if (!train)
      return;
    // The frontend names the loss function `loss` whatever the loss value
    // is called; `nn.train.loss` names that value.
    auto loss = module.lookupSymbol<func::FuncOp>("loss");
    if (!loss) {
      module.emitError("nn-autodiff: nn.train is set but there is no @loss "
                       "function");
      return signalPassFailure();
    }
    if ((lossGrad && failed(buildLossGrad(loss))) ||
        (trainStep && failed(buildTrainStep(loss, train))))
      signalPassFailure();
  }
};

} // namespace
