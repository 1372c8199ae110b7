//===- Passes.h - nnc's passes over the nn dialect ---------------*- C++
//-*-===//
#ifndef NNC_PASSES_PASSES_H
#define NNC_PASSES_PASSES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace nnc {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Registers every nn pass (`nn-infer-shapes`, `nn-canonicalize`,
/// `nn-decompose`, `nn-autodiff`) with the global pass registry, for nnc-opt and textual
/// pipelines.
#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace nnc

#endif // NNC_PASSES_PASSES_H
