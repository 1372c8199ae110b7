//===- Package.h - kernels, plans and graph -> model.so --------*- C++ -*-===//
//
// model.so holds one exported symbol, `nnc_model_blob`: a byte array in the
// container format of docs/model-format.md (magic, format version, named
// sections: the graph, the launch plans, SPIR-V and PTX kernels, constants).
// It is emitted as an LLVM object and linked with the system linker; the
// runtime finds it with dlopen/dlsym and never runs code from the file.
//===----------------------------------------------------------------------===//
#ifndef NNC_CODEGEN_PACKAGE_PACKAGE_H
#define NNC_CODEGEN_PACKAGE_PACKAGE_H

#include "codegen/package/LaunchPlan.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <utility>
#include <vector>

namespace nnc {

/// The container format version this compiler writes (runtime/src/Model.cpp
/// reads it and every earlier one). 2: a file for both targets may hold
/// CUDA's own plan (`plan:cuda`), which a version-1 runtime would ignore and
/// then launch Vulkan's plan with CUDA's kernels.
constexpr uint32_t kModelFormatVersion = 2;

struct PackageOptions {
  bool spirv = true;
  bool ptx = true;
  std::string chip = "sm_80";
  std::string ptxFeatures = "+ptx80";
  /// Print each pass's time (nnc --pass-timing) when its pipeline ends.
  bool timePasses = false;
};

struct SpirvKernel {
  std::string module; // the gpu.module it came from
  std::vector<uint32_t> words;
  std::vector<std::string> capabilities;
};

struct CompiledModel {
  std::string graph; // docs/graph-format.md
  std::string plans; // docs/model-format.md
  PlanTables tables;
  /// The plans of CUDA's kernels where they differ from Vulkan's (a build
  /// for both targets; section `plan:cuda`); `plans` are then Vulkan's.
  bool hasCudaPlans = false;
  std::string cudaPlans;
  PlanTables cudaTables;
  std::vector<SpirvKernel> spirv;
  std::string ptx; // every kernel in one module, each named after its gpu.module
  std::string meta;
};

/// Lowers the kernels of `gpuModule` (after nnc-linalg-to-gpu) to SPIR-V
/// and/or PTX. The module itself is left as it is.
mlir::LogicalResult lowerKernels(mlir::ModuleOp gpuModule,
                                 const PackageOptions &options,
                                 CompiledModel &out);

/// The PTX module alone (for --emit=ptx).
mlir::LogicalResult lowerKernelsToPtx(mlir::ModuleOp gpuModule,
                                      const PackageOptions &options,
                                      std::string &ptx);

/// The `plan` section: kernel and constant tables, then every entry's plan.
std::string formatPlans(const CompiledModel &model);

/// The container bytes.
std::string packModel(const CompiledModel &model);

/// Writes `blob` as `nnc_model_blob` into a shared object at `path`. On
/// failure returns false with `error` set.
bool writeSharedObject(const std::string &blob, const std::string &path,
                       std::string &error);

} // namespace nnc

#endif // NNC_CODEGEN_PACKAGE_PACKAGE_H
