//===- Serialize.cpp - spirv.module ops -> SPIR-V binaries ----------------===//
#include "codegen/spirv/Passes.h"

#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Target/SPIRV/Serialization.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace nnc {
#define GEN_PASS_DEF_NNCDUMPSPIRV
#include "codegen/spirv/Passes.h.inc"
} // namespace nnc

using namespace mlir;

LogicalResult nnc::serializeSpirvModules(
    ModuleOp module,
    llvm::function_ref<LogicalResult(StringRef, ArrayRef<uint32_t>)> emit) {
  for (auto spv : module.getOps<spirv::ModuleOp>()) {
    SmallVector<uint32_t> binary;
    if (failed(spirv::serialize(spv, binary)))
      return failure();
    StringRef name = spv.getSymName().value_or("module");
    name.consume_front("__spv__");
    if (failed(emit(name, binary)))
      return failure();
  }
  return success();
}

namespace {

struct DumpSpirv : public nnc::impl::NNCDumpSpirvBase<DumpSpirv> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
      module.emitError() << "nnc-dump-spirv: cannot create '" << dir
                         << "': " << ec.message();
      return signalPassFailure();
    }
    auto write = [&](StringRef name,
                     ArrayRef<uint32_t> binary) -> LogicalResult {
      SmallString<128> path(dir);
      llvm::sys::path::append(path, name + ".spv");
      std::error_code ec;
      llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
      if (ec)
        return module.emitError() << "nnc-dump-spirv: cannot write '" << path
                                  << "': " << ec.message();
      os.write(reinterpret_cast<const char *>(binary.data()),
               binary.size() * sizeof(uint32_t));
      return success();
    };
    if (failed(nnc::serializeSpirvModules(module, write)))
      signalPassFailure();
  }
};

} // namespace
