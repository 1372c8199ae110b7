//===- Passes.h - nnc's gpu -> SPIR-V pipeline and serializer ---*- C++ -*-===//
#ifndef NNC_CODEGEN_SPIRV_PASSES_H
#define NNC_CODEGEN_SPIRV_PASSES_H

#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace nnc {

#define GEN_PASS_DECL
#include "codegen/spirv/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/spirv/Passes.h.inc"

struct GpuToSpirvOptions : public mlir::PassPipelineOptions<GpuToSpirvOptions> {
  Option<bool> int64{
      *this, "int64",
      llvm::cl::desc("Require the Int64 capability (Vulkan shaderInt64), "
                     "which i64 data such as argmax indices needs"),
      llvm::cl::init(false)};
  Option<bool> float64{
      *this, "float64",
      llvm::cl::desc("Allow f64 data and arithmetic (the Float64 capability, "
                     "Vulkan shaderFloat64)"),
      llvm::cl::init(false)};
  Option<bool> smallTypes{
      *this, "small-types",
      llvm::cl::desc("Allow f16, i16, i8 and bool data at their own width "
                     "(Float16, Int16, Int8 and 8/16-bit storage)"),
      llvm::cl::init(false)};
};

/// gpu kernels -> spirv.module ops for Vulkan: SPIR-V 1.3, Shader (+ Int64,
/// Float64 on request), SPV_KHR_storage_buffer_storage_class, 32-bit index; every
/// kernel argument becomes a storage buffer at bind(0, i).
void buildGpuToSpirvPipeline(mlir::OpPassManager &pm,
                             const GpuToSpirvOptions &options);

/// Serializes every spirv.module directly in `module` and hands each binary to
/// `emit` with the kernel's name (the module's name without `__spv__`).
/// Fails on the first module that does not serialize or that `emit` rejects.
mlir::LogicalResult serializeSpirvModules(
    mlir::ModuleOp module,
    llvm::function_ref<mlir::LogicalResult(llvm::StringRef,
                                           llvm::ArrayRef<uint32_t>)>
        emit);

/// Registers nnc's SPIR-V passes and the `nnc-gpu-to-spirv` pipeline.
void registerCodegenSpirvPasses();

} // namespace nnc

#endif // NNC_CODEGEN_SPIRV_PASSES_H
