//===- Stats.h - nnc --stats: kernels, bytes moved, bytes_min, flops -*- C++ -*-===//
//
// The figures `nnc --stats=json` prints for each entry point, at concrete
// dims (B=256 unless --dim says otherwise):
//  - kernels, bytes_moved, arena_bytes: from the launch plan, evaluated for
//    the argument shapes with the runtime's own plan evaluator. A launch
//    moves the bytes of each distinct view it is given (read or written
//    once), counted once per member in a merged launch
//    (nnc-gpu-merge-launches) that uses it; an update copy after the
//    launches moves its bytes twice.
//  - bytes_min: the traffic of an ideal schedule, from the nn graph after
//    autodiff: every argument the entry reads and every result and update it
//    writes, once; plus, for @train_step and @loss_grad, every value the
//    forward half computes and the backward half uses, written once and read
//    once.
//  - flops: 2·M·N·K per matmul, 2·|y|·C/g·kh·kw per conv2d and each of its
//    gradients, one per element for elementwise ops, one per input element
//    for reductions and norms; shape ops count none.
//===----------------------------------------------------------------------===//
#ifndef NNC_CODEGEN_STATS_STATS_H
#define NNC_CODEGEN_STATS_STATS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nnc {

struct EntryStats {
  int64_t kernels = 0;
  int64_t copies = 0;
  uint64_t bytesMoved = 0;
  uint64_t bytesMin = 0;
  uint64_t arenaBytes = 0;
  double flops = 0;
  /// Per launch, in order: the kernel's name and the bytes it moves.
  std::vector<std::pair<std::string, uint64_t>> launchBytes;
  /// Shape of each argument, in order (for the plan evaluator).
  std::vector<std::vector<int64_t>> argShapes;
};

using ModelStats = std::map<std::string, EntryStats>;

/// Graph-level figures (bytes_min, flops, argument shapes) of every entry of
/// `module`, an nn module after autodiff whose shapes are all static (run
/// nn-infer-shapes with dims first). Reports at the op on failure.
mlir::LogicalResult computeGraphStats(mlir::ModuleOp module, ModelStats &stats);

/// Per kernel ("module/function") of a merged launch, per argument: the
/// members that use it (its `nnc.parts`; empty for an argument none marks).
using KernelParts = std::map<std::string, std::vector<std::vector<int64_t>>>;

/// The `nnc.parts` of every gpu.func argument in `module` (after
/// nnc-linalg-to-gpu).
KernelParts collectKernelParts(mlir::ModuleOp module);

/// Plan-level figures (kernels, bytes_moved, arena_bytes) from the plan text
/// of model.so (formatPlans), for the argument shapes already in `stats`.
/// Empty string on success, else the message.
std::string computePlanStats(const std::string &planText, ModelStats &stats,
                             const KernelParts &parts = {});

/// {"ENTRY": {"kernels": N, "bytes_moved": X, "bytes_min": Y,
///  "arena_bytes": Z, "flops": F}, ...}
void printStatsJson(const ModelStats &stats, llvm::raw_ostream &os);

/// Per entry, every launch with the bytes it moves, largest first, and each
/// entry's totals: where the bytes go (`--stats=kernels`).
void printStatsKernels(const ModelStats &stats, llvm::raw_ostream &os);

} // namespace nnc

#endif // NNC_CODEGEN_STATS_STATS_H
