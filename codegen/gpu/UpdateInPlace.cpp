//===- UpdateInPlace.cpp - write a param's next value into its buffer -----===//
//
// `nnc-gpu-update-in-place`: an entry's result marked `nn.update = "name"`
// (train_step's next value of a param, optimizer moment or state) is copied
// by the runtime into the buffer of the argument named `name` after the
// entry's last kernel: the bytes of the value twice more. When the one
// kernel that writes the value is elementwise and reads the argument, if at
// all, at the element it writes, and nothing after that kernel reads the
// argument, the kernel can write the argument's buffer itself: the result's
// buffer is replaced by the argument, and the runtime sees an update whose
// source is the param's own buffer, which it skips.
//===----------------------------------------------------------------------===//
#include "codegen/gpu/KernelUtils.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUUPDATEINPLACE
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The argument of `func` named `name` that holds a param or state.
BlockArgument paramNamed(func::FuncOp func, StringRef name) {
  for (BlockArgument arg : func.getArguments()) {
    auto n = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "nn.name");
    auto role =
        func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "nn.role");
    if (n && n.getValue() == name && role && role.getValue() != "input")
      return arg;
  }
  return nullptr;
}

/// Whether `writer` may write `param`'s buffer in place of `value`: an
/// all-parallel linalg op that writes `value` (unviewed) at its loop indices
/// and reads `param`, if at all, unviewed at the same indices.
bool writesElementwise(linalg::LinalgOp writer, Value value, Value param) {
  if (!writer.hasPureBufferSemantics() ||
      writer.getNumParallelLoops() != writer.getNumLoops())
    return false;
  for (OpOperand &operand : writer->getOpOperands()) {
    Value v = operand.get();
    bool isValue = v == value, isParam = v == param;
    if (!isValue && !isParam) {
      // A view of the param read another way is no elementwise read.
      if (isa<MemRefType>(v.getType()) && v.getDefiningOp() &&
          isa<ViewLikeOpInterface>(v.getDefiningOp())) {
        if (nnc::gpu_kernel::rootOf(v) == param)
          return false;
      }
      continue;
    }
    if (isParam && writer.isDpsInit(&operand))
      return false;
    if (!nnc::gpu_kernel::readsOwnElement(
            writer.getMatchingIndexingMap(&operand), v))
      return false;
  }
  return true;
}

struct GpuUpdateInPlace
    : public nnc::impl::NNCGpuUpdateInPlaceBase<GpuUpdateInPlace> {
  void runOnOperation() override {
    getOperation()->walk([&](func::FuncOp func) {
      if (!func.isExternal())
        runOnFunction(func);
    });
  }

  void runOnFunction(func::FuncOp func) {
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    llvm::DenseSet<Value> taken;
    for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
      auto name = func.getResultAttrOfType<StringAttr>(i, "nn.update");
      if (!name)
        continue;
      BlockArgument param = paramNamed(func, name.getValue());
      auto alloc = value.getDefiningOp<memref::AllocOp>();
      if (!param || !alloc || param.getType() != value.getType() ||
          !taken.insert(value).second || taken.contains(param))
        continue;
      // The one op that writes the value; everything else only reads it.
      SmallVector<OpOperand *> valueUses, paramUses;
      nnc::gpu_kernel::usesThroughViews(value, valueUses);
      nnc::gpu_kernel::usesThroughViews(param, paramUses);
      linalg::LinalgOp writer;
      bool ok = true;
      for (OpOperand *use : valueUses) {
        auto op = dyn_cast<linalg::LinalgOp>(use->getOwner());
        if (op && op.isDpsInit(use)) {
          ok &= !writer && use->get() == value;
          writer = op;
        } else if (!isa<func::ReturnOp>(use->getOwner()) && !op) {
          ok = false; // a use the pass cannot read (a copy, a call)
        }
      }
      if (!ok || !writer || writer->getBlock() != alloc->getBlock() ||
          !writesElementwise(writer, value, param))
        continue;
      // Every other reader of the param runs before the writer, and every
      // reader of the value after it (it then reads the param).
      for (OpOperand *use : paramUses) {
        Operation *user = use->getOwner();
        // A result that is the param's old value would read the new one.
        ok &= !isa<func::ReturnOp>(user);
        if (user == writer || isa<func::ReturnOp>(user))
          continue;
        Operation *top = writer->getBlock()->findAncestorOpInBlock(*user);
        ok &= top && top->isBeforeInBlock(writer);
        if (auto op = dyn_cast<linalg::LinalgOp>(user))
          ok &= !op.isDpsInit(use); // the param itself is never written
      }
      for (OpOperand *use : valueUses) {
        Operation *user = use->getOwner();
        if (user == writer || isa<func::ReturnOp>(user))
          continue;
        Operation *top = writer->getBlock()->findAncestorOpInBlock(*user);
        ok &= top && writer->isBeforeInBlock(top);
      }
      if (!ok)
        continue;
      taken.insert(param);
      value.replaceAllUsesWith(param);
      alloc->erase();
    }
  }
};

} // namespace
