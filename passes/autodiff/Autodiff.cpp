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

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

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

/// Adds the gradient `{loss}_grad` of `loss` to the module.
LogicalResult differentiate(func::FuncOp loss) {
  Location loc = loss.getLoc();
  if (!loss.getBody().hasOneBlock() || loss.getNumResults() == 0)
    return loss.emitError("nn-autodiff: the loss function must have one "
                          "block and return the loss first");
  auto gradName = (loss.getSymName() + "_grad").str();
  auto module = loss->getParentOfType<ModuleOp>();
  if (module.lookupSymbol(gradName))
    return loss.emitError()
           << "nn-autodiff: '" << gradName << "' exists already";

  OpBuilder b(loss);
  b.setInsertionPointAfter(loss);
  auto grad = cast<func::FuncOp>(b.clone(*loss));
  grad.setSymName(gradName);
  Block &body = grad.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  Value lossValue = ret.getOperand(0);
  auto lossType = dyn_cast<RankedTensorType>(lossValue.getType());
  if (!lossType || lossType.getRank() != 0 || !isFloatTensor(lossValue))
    return emitError(lossValue.getLoc())
           << "nn-autodiff: the loss must be a float scalar, got "
           << formatType(lossValue.getType());

  SmallVector<BlockArgument> params;
  for (BlockArgument arg : grad.getArguments()) {
    auto role =
        grad.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "nn.role");
    if (role && role.getValue() == "param")
      params.push_back(arg);
  }

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

  b.setInsertionPoint(ret);
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
  {
    auto oneType = RankedTensorType::get({}, lossType.getElementType());
    auto one = DenseElementsAttr::get(
        oneType, ArrayRef<Attribute>(b.getFloatAttr(
                     cast<FloatType>(lossType.getElementType()), 1.0)));
    cotangent[lossValue] =
        ConstantOp::create(b, lossValue.getLoc(), cast<ElementsAttr>(one));
  }

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

  // Return the loss, then d loss / d param (zeros for a param the loss does
  // not depend on).
  SmallVector<Value> results{lossValue};
  SmallVector<Attribute> resultAttrs{
      b.getDictionaryAttr(b.getNamedAttr("nn.name", b.getStringAttr("loss")))};
  for (BlockArgument p : params) {
    Value g = cotangent.lookup(p);
    if (!g) {
      Type et = cast<RankedTensorType>(p.getType()).getElementType();
      auto zero =
          DenseElementsAttr::get(RankedTensorType::get({}, et),
                                 ArrayRef<Attribute>(b.getZeroAttr(et)));
      Value z = ConstantOp::create(b, loc, cast<ElementsAttr>(zero));
      Value t = ConstantOp::create(
          b, loc,
          cast<ElementsAttr>(DenseElementsAttr::get(
              RankedTensorType::get({}, b.getI1Type()), true)));
      auto spread = createChecked<WhereOp>(b, loc, t, z, p);
      if (!spread)
        return failure();
      g = spread.getResult();
    }
    results.push_back(g);
    auto name = grad.getArgAttrOfType<StringAttr>(p.getArgNumber(), "nn.name");
    std::string gname =
        "grad_" + (name ? name.getValue().str()
                        : "arg" + std::to_string(p.getArgNumber()));
    resultAttrs.push_back(
        b.getDictionaryAttr(b.getNamedAttr("nn.name", b.getStringAttr(gname))));
  }
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  grad.setType(b.getFunctionType(grad.getArgumentTypes(),
                                 ValueRange(results).getTypes()));
  grad.setAllResultAttrs(resultAttrs);

  // The forward outputs the loss function also returned are dead now.
  SmallVector<Operation *> all;
  for (Operation &op : body.without_terminator())
    all.push_back(&op);
  for (Operation *op : llvm::reverse(all))
    if (op->use_empty() && isPure(op))
      op->erase();
  return success();
}

struct NNAutodiff : nnc::impl::NNAutodiffBase<NNAutodiff> {
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
    if (failed(differentiate(loss)))
      signalPassFailure();
  }
};

} // namespace
