//===- FlattenMemrefs.cpp - 1-D views for kernel memrefs with dynamic strides -===//
//
// A kernel that indexes a memref whose strides or offset are only known at
// run time (the transpose of a [B, n] tensor is [n, B] with stride B; a
// slice along the batch has a dynamic offset) cannot be lowered to SPIR-V:
// a storage buffer carries no descriptor to read the strides from. Here the
// host takes the view apart (memref.extract_strided_metadata, which the
// launch plan evaluates) and the kernel receives a 1-D view of the root
// buffer plus the offset and strides as index arguments; its loads and
// stores use the linearized index.
//===----------------------------------------------------------------------===//
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUFLATTENMEMREFS
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

bool hasDynamicLayout(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return true;
  // A 0-d view with a static offset (one element sliced out of a vector)
  // is flattened too: the SPIR-V lowering of a rank-0 memref drops the
  // layout's offset and reads element 0.
  return ShapedType::isDynamic(offset) ||
         (type.getRank() == 0 && offset != 0) ||
         llvm::any_of(strides, [](int64_t s) { return ShapedType::isDynamic(s); });
}

struct GpuFlattenMemrefs
    : public nnc::impl::NNCGpuFlattenMemrefsBase<GpuFlattenMemrefs> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation()->walk([&](gpu::LaunchOp l) { launches.push_back(l); });
    for (gpu::LaunchOp launch : launches)
      if (failed(flatten(launch)))
        return signalPassFailure();
  }

  LogicalResult flatten(gpu::LaunchOp launch) {
    // Memrefs from outside the launch that its loads and stores index.
    llvm::SetVector<Value> targets;
    launch.getBody().walk([&](Operation *op) {
      Value m;
      if (auto load = dyn_cast<memref::LoadOp>(op))
        m = load.getMemref();
      else if (auto store = dyn_cast<memref::StoreOp>(op))
        m = store.getMemref();
      if (m && !launch.getBody().isAncestor(m.getParentRegion()) &&
          hasDynamicLayout(cast<MemRefType>(m.getType())))
        targets.insert(m);
    });
    for (Value m : targets) {
      auto type = cast<MemRefType>(m.getType());
      Location loc = m.getLoc();
      OpBuilder b(launch);
      auto meta = memref::ExtractStridedMetadataOp::create(b, loc, m);
      // The elements the view can reach: offset + sum((size - 1) * stride) + 1.
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value extent = arith::AddIOp::create(b, loc, meta.getOffset(), one);
      for (int64_t d = 0; d < type.getRank(); ++d) {
        Value last = arith::SubIOp::create(b, loc, meta.getSizes()[d], one);
        Value reach = arith::MulIOp::create(b, loc, last, meta.getStrides()[d]);
        extent = arith::AddIOp::create(b, loc, extent, reach);
      }
      extent = arith::MaxSIOp::create(b, loc, extent, zero);
      auto flatType = MemRefType::get({ShapedType::kDynamic}, type.getElementType());
      Value flat = memref::ReinterpretCastOp::create(
          b, loc, flatType, meta.getBaseBuffer(), OpFoldResult(b.getIndexAttr(0)),
          ArrayRef<OpFoldResult>{extent}, ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
      // Rewrite the accesses inside the launch.
      SmallVector<Operation *> users;
      for (Operation *user : m.getUsers())
        if (launch.getBody().isAncestor(user->getParentRegion()))
          users.push_back(user);
      for (Operation *user : users) {
        OpBuilder in(user);
        auto linear = [&](ValueRange indices) {
          Value at = meta.getOffset();
          for (auto [d, i] : llvm::enumerate(indices))
            at = arith::AddIOp::create(
                in, loc, at, arith::MulIOp::create(in, loc, i, meta.getStrides()[d]));
          return at;
        };
        if (auto load = dyn_cast<memref::LoadOp>(user)) {
          Value v = memref::LoadOp::create(in, loc, flat,
                                           ValueRange{linear(load.getIndices())});
          load.replaceAllUsesWith(v);
          load.erase();
        } else if (auto store = dyn_cast<memref::StoreOp>(user)) {
          memref::StoreOp::create(in, loc, store.getValueToStore(), flat,
                                  ValueRange{linear(store.getIndices())});
          store.erase();
        } else {
          return user->emitError("a kernel uses a memref with run-time strides "
                                 "in a way nnc cannot flatten");
        }
      }
    }
    return success();
  }
};

} // namespace
