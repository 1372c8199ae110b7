//===- WorkgroupToAlloc.cpp - workgroup attributions -> memref.alloc -----===//
//
// `nnc-gpu-workgroup-to-alloc`: MLIR's gpu -> SPIR-V conversion does not
// lower gpu.func workgroup attributions, but it does lower a memref.alloc in
// memory space 3 to a Workgroup-class spirv.GlobalVariable. NVVM lowers the
// attributions themselves (and an alloc to malloc), so the kernels keep
// attributions and only the SPIR-V path runs this pass.
//
//===----------------------------------------------------------------------===//
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUWORKGROUPTOALLOC
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct GpuWorkgroupToAlloc
    : public nnc::impl::NNCGpuWorkgroupToAllocBase<GpuWorkgroupToAlloc> {
  void runOnOperation() override {
    WalkResult result = getOperation()->walk([&](gpu::GPUFuncOp func) {
      unsigned count = func.getNumWorkgroupAttributions();
      if (count == 0)
        return WalkResult::advance();
      unsigned first = func.getFirstWorkgroupAttributionIndex();
      Block &entry = func.getBody().front();
      OpBuilder b = OpBuilder::atBlockBegin(&entry);
      for (BlockArgument arg : func.getWorkgroupAttributions()) {
        auto type = cast<MemRefType>(arg.getType());
        if (!type.hasStaticShape()) {
          func.emitError("workgroup attribution with a dynamic shape");
          return WalkResult::interrupt();
        }
        // The Vulkan storage-class map knows the numeric space 3, not
        // #gpu.address_space<workgroup>; loads and stores take either.
        auto allocType =
            MemRefType::get(type.getShape(), type.getElementType(),
                            type.getLayout(), b.getI64IntegerAttr(3));
        Value alloc = memref::AllocOp::create(b, arg.getLoc(), allocType);
        for (OpOperand &use : llvm::make_early_inc_range(arg.getUses())) {
          if (!isa<memref::LoadOp, memref::StoreOp>(use.getOwner())) {
            use.getOwner()->emitError(
                "workgroup memory used by an op other than load/store");
            return WalkResult::interrupt();
          }
          use.set(alloc);
        }
      }
      entry.eraseArguments(first, count);
      func->setAttr(func.getNumWorkgroupAttributionsAttrName(),
                    b.getI64IntegerAttr(0));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
