//===- InferShapes.cpp - nn-infer-shapes: re-infer nn result types --------===//
#include "passes/Passes.h"

#include "ir/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

namespace nnc {
#define GEN_PASS_DEF_NNINFERSHAPES
#include "passes/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::nn;

namespace {

/// Parses `NAME=SIZE` entries; reports at `loc` on a malformed one.
FailureOr<llvm::StringMap<int64_t>> parseDims(ArrayRef<std::string> entries,
                                              Location loc) {
  llvm::StringMap<int64_t> sizes;
  for (StringRef entry : entries) {
    auto [name, value] = entry.split('=');
    int64_t size;
    if (name.empty() || value.getAsInteger(10, size) || size < 0)
      return emitError(loc) << "nn-infer-shapes: bad dims entry '" << entry
                            << "'; expected NAME=SIZE with SIZE >= 0";
    sizes[name] = size;
  }
  return sizes;
}

/// Gives the dynamic dims of `func`'s arguments that `nn.dims` names a size.
LogicalResult specializeArguments(func::FuncOp func,
                                  const llvm::StringMap<int64_t> &sizes) {
  for (BlockArgument arg : func.getArguments()) {
    auto names =
        func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), "nn.dims");
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!names || !type || names.size() != (size_t)type.getRank())
      continue;
    SmallVector<int64_t> shape(type.getShape());
    for (auto [dim, nameAttr] : llvm::zip(shape, names)) {
      auto name = dyn_cast<StringAttr>(nameAttr);
      auto it = name ? sizes.find(name.getValue()) : sizes.end();
      if (it == sizes.end())
        continue;
      if (!ShapedType::isDynamic(dim) && dim != it->second)
        return emitError(arg.getLoc())
               << "cannot specialize " << name << " = " << it->second
               << ": argument " << arg.getArgNumber() << " has "
               << formatType(type);
      dim = it->second;
    }
    arg.setType(type.clone(shape));
  }
  return success();
}

/// The new type of a result: the inferred one, kept as static as the old
/// one where the two agree (a declared static dim is a fact the frontend
/// knew); where they conflict the old type was stale.
Type refine(Type old, Type inferred) {
  auto o = dyn_cast<RankedTensorType>(old);
  auto n = dyn_cast<RankedTensorType>(inferred);
  if (!o || !n || o.getElementType() != n.getElementType() ||
      o.getRank() != n.getRank())
    return inferred;
  SmallVector<int64_t> shape(n.getShape());
  for (auto [dim, declared] : llvm::zip(shape, o.getShape())) {
    if (ShapedType::isDynamic(dim))
      dim = declared;
    else if (!ShapedType::isDynamic(declared) && declared != dim)
      return inferred;
  }
  return n.clone(shape);
}

/// Re-infers every nn result in program order, then the function type.
LogicalResult inferFunction(func::FuncOp func) {
  WalkResult walk = func.walk<WalkOrder::PreOrder>([](Operation *op) {
    if (!isa<NNDialect>(op->getDialect()))
      return WalkResult::advance();
    if (auto castOp = dyn_cast<CastOp>(op)) {
      FailureOr<Type> type =
          CastOp::inferResultType(op->getLoc(), castOp.getX().getType(),
                                  castOp.getType().getElementType());
      if (failed(type))
        return WalkResult::interrupt();
      castOp.getResult().setType(
          cast<RankedTensorType>(refine(castOp.getType(), *type)));
      return WalkResult::advance();
    }
    auto infer = dyn_cast<InferTypeOpInterface>(op);
    if (!infer)
      return WalkResult::advance();
    SmallVector<Type> types;
    if (failed(infer.inferReturnTypes(
            op->getContext(), op->getLoc(), op->getOperands(),
            op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
            op->getRegions(), types)))
      return WalkResult::interrupt();
    for (auto [result, type] : llvm::zip(op->getResults(), types))
      result.setType(refine(result.getType(), type));
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  SmallVector<Type> results(func.getResultTypes());
  func.walk([&](func::ReturnOp ret) {
    results.assign(ret.getOperandTypes().begin(), ret.getOperandTypes().end());
  });
  func.setType(FunctionType::get(func.getContext(),
                                 func.getBody().getArgumentTypes(), results));
  return success();
}

struct NNInferShapes : nnc::impl::NNInferShapesBase<NNInferShapes> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<llvm::StringMap<int64_t>> sizes =
        parseDims(dims, module.getLoc());
    if (failed(sizes))
      return signalPassFailure();
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      if ((!sizes->empty() && failed(specializeArguments(func, *sizes))) ||
          failed(inferFunction(func)))
        return signalPassFailure();
    }
  }
};

} // namespace
