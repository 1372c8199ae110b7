//===- GpuToSpirv.cpp - the gpu -> SPIR-V (Vulkan) pipeline ---------------===//
#include "codegen/spirv/Passes.h"

#include "codegen/gpu/Passes.h"

#include "mlir/Conversion/GPUToSPIRV/GPUToSPIRVPass.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/Dialect/SPIRV/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSet.h"

namespace nnc {
#define GEN_PASS_DEF_NNCSPIRVSETENTRYPOINTABI
#define GEN_PASS_DEF_NNCSPIRVPREPAREMATH
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

struct SpirvPrepareMath
    : public nnc::impl::NNCSpirvPrepareMathBase<SpirvPrepareMath> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // GLSL.std.450 has exp, log, pow and the trigonometric functions for
    // 16/32-bit floats only: say so at the source op instead of failing in
    // the SPIR-V verifier.
    bool unsupported = false;
    getOperation().walk([&](Operation *op) {
      static const llvm::StringSet<> glsl32Only = {
          "math.exp",  "math.exp2",  "math.expm1", "math.log",  "math.log2",
          "math.log1p", "math.powf", "math.tanh",  "math.erf",  "math.sin",
          "math.cos",  "math.tan",   "math.asin",  "math.acos", "math.atan",
          "math.atan2", "math.sinh", "math.cosh",  "math.asinh", "math.acosh",
          "math.atanh"};
      if (op->getNumResults() != 1 || !op->getResult(0).getType().isF64() ||
          !glsl32Only.contains(op->getName().getStringRef()))
        return;
      op->emitError() << "'" << op->getName().getStringRef().drop_front(5)
                      << "' on f64 has no Vulkan (SPIR-V) lowering: "
                         "GLSL.std.450 has it for 16/32-bit floats only; "
                         "compile with --target=cuda or cast to f32";
      unsupported = true;
    });
    if (unsupported)
      return signalPassFailure();
    for (auto module : getOperation().getOps<gpu::GPUModuleOp>()) {
      if (ArrayAttr targets = module.getTargetsAttr())
        for (Attribute target : targets)
          if (auto env = dyn_cast<spirv::TargetEnvAttr>(target))
            module->setAttr(spirv::getTargetEnvAttrName(), env);
      RewritePatternSet patterns(ctx);
      populatePolynomialApproximateErfPattern(patterns);
      if (failed(applyPatternsGreedily(module, std::move(patterns))))
        return signalPassFailure();
    }
  }
};

} // namespace

void nnc::buildGpuToSpirvPipeline(OpPassManager &pm,
                                  const GpuToSpirvOptions &options) {
  pm.addPass(nnc::createNNCSpirvSetEntryPointAbi());
  // gpu-to-spirv lowers workgroup memory as memref.alloc, not attributions.
  pm.addPass(nnc::createNNCGpuWorkgroupToAlloc());
  GpuSPIRVAttachTargetOptions target;
  target.spirvVersion = "v1.3";
  // Subgroup reductions (nnc-gpu-tile-reduction, nnc-gpu-row-kernels):
  // spirv-update-vce keeps these only in kernels that use them, and the
  // runtime refuses such a kernel on a device whose compute stage lacks
  // subgroup arithmetic, naming the capability.
  target.spirvCapabilities = {"Shader", "GroupNonUniform",
                              "GroupNonUniformArithmetic"};
  target.spirvExtensions = {"SPV_KHR_storage_buffer_storage_class"};
  if (options.int64)
    target.spirvCapabilities.push_back("Int64");
  // Without Float64 the type converter would reject f64 kernels; with it,
  // spirv-update-vce keeps it only in kernels that use f64, and the runtime
  // refuses those on a device without shaderFloat64, naming the capability.
  if (options.float64)
    target.spirvCapabilities.push_back("Float64");
  if (options.smallTypes) {
    // f16 data and bool/i8 buffers stored at their own width; without these
    // the type converter widens them to 32 bits, which is not the layout
    // the runtime's buffers have. spirv-update-vce keeps only what a kernel
    // uses, so a kernel without f16 does not require it of the device.
    for (const char *cap : {"Float16", "Int16", "Int8", "StorageBuffer16BitAccess",
                            "StorageBuffer8BitAccess"})
      target.spirvCapabilities.push_back(cap);
    target.spirvExtensions.push_back("SPV_KHR_16bit_storage");
    target.spirvExtensions.push_back("SPV_KHR_8bit_storage");
  }
  target.deviceId = spirv::TargetEnvAttr::kUnknownDeviceID;
  pm.addPass(createGpuSPIRVAttachTarget(target));
  pm.addPass(nnc::createNNCSpirvPrepareMath());
  // math.exp and friends have no legal form inside the kernel otherwise.
  // Per gpu.module, so that it sees the module's target environment (f16).
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertMathToSPIRVPass());
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
