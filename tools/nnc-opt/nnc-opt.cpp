//===- nnc-opt.cpp - mlir-opt with the nn dialect and nnc's passes --------===//
#include "codegen/common/Passes.h"
#include "codegen/gpu/Passes.h"
#include "codegen/ptx/Passes.h"
#include "codegen/spirv/Passes.h"
#include "ir/NNDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<nnc::nn::NNDialect>();
  // Every upstream dialect, interface model and pass: later stages lower nn
  // through linalg, bufferization, gpu, nvvm/spirv and llvm.
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  nnc::registerPtxTranslations(registry);
  mlir::registerAllPasses();
  nnc::registerNNPasses();
  nnc::registerCodegenPasses();
  nnc::registerCodegenGpuPasses();
  nnc::registerCodegenSpirvPasses();
  nnc::registerCodegenPtxPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "nnc optimizer driver\n", registry));
}
