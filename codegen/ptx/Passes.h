//===- Passes.h - nnc's gpu -> PTX pipeline and passes ----------*- C++ -*-===//
#ifndef NNC_CODEGEN_PTX_PASSES_H
#define NNC_CODEGEN_PTX_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace nnc {

#define GEN_PASS_DECL
#include "codegen/ptx/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/ptx/Passes.h.inc"

struct GpuToPtxOptions : public mlir::PassPipelineOptions<GpuToPtxOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("GPU architecture (sm_80, sm_90)"),
                           llvm::cl::init("sm_80")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX ISA version; sm_80 needs +ptx80 or newer"),
      llvm::cl::init("+ptx80")};
};

/// Outlined gpu kernels -> NVVM -> PTX text kept in one gpu.binary per
/// kernel module (upstream gpu-lower-to-nvvm-pipeline, cubin-format=isa); the
/// host side is lowered to the LLVM dialect. Needs no CUDA driver.
void buildGpuToPtxPipeline(mlir::OpPassManager &pm,
                           const GpuToPtxOptions &options);

/// Adds what serializing gpu.module ops to PTX needs to `registry`: the
/// dialects' translations to LLVM IR (gpu, nvvm, llvm, ...).
void registerPtxTranslations(mlir::DialectRegistry &registry);

/// Registers `nnc-dump-ptx` and the `nnc-gpu-to-ptx` pipeline.
void registerCodegenPtxPasses();

} // namespace nnc

#endif // NNC_CODEGEN_PTX_PASSES_H
