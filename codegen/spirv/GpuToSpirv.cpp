//===- GpuToSpirv.cpp - the gpu -> SPIR-V (Vulkan) pipeline ---------------===//
#include "codegen/spirv/Passes.h"

#include "mlir/Conversion/GPUToSPIRV/GPUToSPIRVPass.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/Dialect/SPIRV/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"

namespace nnc {
#define GEN_PASS_DEF_NNCSPIRVSETENTRYPOINTABI
#include "codegen/spirv/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct SpirvSetEntryPointAbi
    : public nnc::impl::NNCSpirvSetEntryPointAbiBase<SpirvSetEntryPointAbi> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    StringRef name = spirv::getEntryPointABIAttrName();
    getOperation()->walk([&](gpu::GPUFuncOp func) {
      if (!func.isKernel() || func->hasAttr(name))
        return;
      SmallVector<int32_t, 3> size = {workgroupSize, 1, 1};
      if (DenseI32ArrayAttr known = func.getKnownBlockSizeAttr())
        size.assign(known.asArrayRef().begin(), known.asArrayRef().end());
      func->setAttr(name, spirv::getEntryPointABIAttr(ctx, size));
    });
  }
};

} // namespace

void nnc::buildGpuToSpirvPipeline(OpPassManager &pm,
                                  const GpuToSpirvOptions &options) {
  pm.addPass(nnc::createNNCSpirvSetEntryPointAbi());
  GpuSPIRVAttachTargetOptions target;
  target.spirvVersion = "v1.3";
  target.spirvCapabilities = {"Shader"};
  if (options.int64)
    target.spirvCapabilities.push_back("Int64");
  target.spirvExtensions = {"SPV_KHR_storage_buffer_storage_class"};
  target.deviceId = spirv::TargetEnvAttr::kUnknownDeviceID;
  pm.addPass(createGpuSPIRVAttachTarget(target));
  // math.exp and friends have no legal form inside the kernel otherwise.
  pm.addPass(createConvertMathToSPIRVPass());
  pm.addPass(createConvertGPUToSPIRVPass(/*mapMemorySpace=*/true));
  pm.addNestedPass<spirv::ModuleOp>(spirv::createSPIRVLowerABIAttributesPass());
  pm.addNestedPass<spirv::ModuleOp>(spirv::createSPIRVUpdateVCEPass());
}

void nnc::registerCodegenSpirvPasses() {
  registerNNCCodegenSpirvPasses();
  PassPipelineRegistration<GpuToSpirvOptions>(
      "nnc-gpu-to-spirv",
      "Lower outlined gpu kernels to spirv.module ops for Vulkan 1.1",
      buildGpuToSpirvPipeline);
}
