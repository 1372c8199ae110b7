//===- PlanMemory.cpp - free temporaries after their last use ------------===//
//
// After bufferization every temporary of an entry is freed at its end, so the
// arena the runtime lays out from the launch plan (first fit, ranges reused
// after a `free`) holds all of them at once. This pass moves each dealloc of
// an allocation in the function body to just after the last body op that
// touches the allocation or a view of it:
//
//   %a = memref.alloc ; launch k1(%a) ; %b = memref.alloc ; launch k2(%a, %b)
//   launch k3(%b) ; ... ; memref.dealloc %a
//   // becomes
//   ... launch k2(%a, %b) ; memref.dealloc %a ; launch k3(%b) ...
//
// The users of an allocation are found through view-like ops (subview,
// reinterpret_cast, cast, expand/collapse_shape) and the base buffer of
// extract_strided_metadata. A user nested in a region counts as its ancestor
// in the function body. An allocation reaching `return` (or any op that is
// not a plain user we understand, such as a select of two buffers) is left
// alone.
//===----------------------------------------------------------------------===//
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace nnc {
#define GEN_PASS_DEF_NNPLANMEMORY
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Results of `op` that alias its memref operand (views of it).
SmallVector<Value> aliasesOf(Operation *op) {
  SmallVector<Value> out;
  if (isa<ViewLikeOpInterface>(op)) {
    for (Value r : op->getResults())
      if (isa<BaseMemRefType>(r.getType()))
        out.push_back(r);
  } else if (auto meta = dyn_cast<memref::ExtractStridedMetadataOp>(op)) {
    out.push_back(meta.getBaseBuffer());
  }
  return out;
}

struct NNPlanMemory : nnc::impl::NNPlanMemoryBase<NNPlanMemory> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal() || !func.getBody().hasOneBlock())
      return;
    Block &body = func.getBody().front();
    SmallVector<memref::DeallocOp> deallocs;
    for (Operation &op : body)
      if (auto d = dyn_cast<memref::DeallocOp>(op))
        deallocs.push_back(d);
    for (memref::DeallocOp dealloc : deallocs) {
      auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->getBlock() != &body)
        continue;
      Operation *last = alloc;
      bool escapes = false;
      SmallVector<Value> work{alloc.getResult()};
      DenseSet<Value> seen;
      while (!work.empty() && !escapes) {
        Value v = work.pop_back_val();
        if (!seen.insert(v).second)
          continue;
        for (OpOperand &use : v.getUses()) {
          Operation *user = use.getOwner();
          if (user == dealloc)
            continue;
          if (isa<func::ReturnOp>(user) || isa<memref::DeallocOp>(user)) {
            escapes = true;
            break;
          }
          Operation *top = body.findAncestorOpInBlock(*user);
          if (!top) {
            escapes = true;
            break;
          }
          if (last->isBeforeInBlock(top))
            last = top;
          SmallVector<Value> aliases = aliasesOf(user);
          work.append(aliases.begin(), aliases.end());
          // An op that yields a memref other than a view (select, call)
          // may hand the buffer on: keep the dealloc where it is.
          if (aliases.empty())
            for (Value r : user->getResults())
              if (isa<BaseMemRefType>(r.getType()))
                escapes = true;
        }
      }
      if (escapes || !last->isBeforeInBlock(dealloc))
        continue;
      dealloc->moveAfter(last);
    }
  }
};

} // namespace
