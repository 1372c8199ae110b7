//===- Passes.h - nnc's linalg -> gpu pipeline and passes -------*- C++ -*-===//
#ifndef NNC_CODEGEN_GPU_PASSES_H
#define NNC_CODEGEN_GPU_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace nnc {

#define GEN_PASS_DECL
#include "codegen/gpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/gpu/Passes.h.inc"

/// From linalg on tensors to outlined gpu kernels: bufferize with identity
/// layouts at function boundaries, deallocate temporaries, give contractions
/// (convolutions and their gradients as implicit GEMM, matmuls) register-
/// tiled kernels and innermost reductions workgroup-memory kernels, map the
/// other loops tiled by 256 onto blocks and threads (one thread per output
/// element), outline each launch into its own gpu.module.
/// `merge` false keeps one kernel per elementwise op (nnc --no-fuse, for
/// comparison); `mergeLaunches` false skips nnc-gpu-merge-launches;
/// `subgroups` false keeps reductions off subgroup operations (nnc
/// --no-subgroup-ops, for a Vulkan device without subgroup arithmetic);
/// `workgroupTiles` stages contractions' operands in workgroup memory (the
/// CUDA kernels) instead of register tiles read from memory (lavapipe's);
/// `mergeBarriers` lets nnc-gpu-merge-launches take kernels with barriers
/// (CUDA's).
void buildLinalgToGpuPipeline(mlir::OpPassManager &pm, bool merge = true,
                              bool mergeLaunches = true,
                              bool subgroups = true,
                              bool workgroupTiles = false,
                              bool mergeBarriers = false);

/// Registers `nnc-gpu-sink-constants` and the `nnc-linalg-to-gpu` pipeline.
void registerCodegenGpuPasses();

} // namespace nnc

#endif // NNC_CODEGEN_GPU_PASSES_H
