//===- LaunchPlan.h - host side of a gpu entry -> launch plan text -*- C++ -*-===//
//
// After nnc-linalg-to-gpu, an entry function (forward, loss, ...) is host code
// over memrefs: index arithmetic on the dynamic dims, allocations, views and
// gpu.launch_func. The launch plan is that host code as a short program the
// runtime evaluates with no MLIR (docs/model-format.md): registers hold the
// index values, views name a root allocation with offset/sizes/strides, and
// launches bind views and scalars. Folding happens here, so a static model's
// plan holds only immediates.
//===----------------------------------------------------------------------===//
#ifndef NNC_CODEGEN_PACKAGE_LAUNCHPLAN_H
#define NNC_CODEGEN_PACKAGE_LAUNCHPLAN_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace nnc {

/// A kernel the plans launch: the gpu.module and its kernel function.
struct PlanKernel {
  std::string module;
  std::string function;
  int64_t block[3] = {1, 1, 1};
};

/// A memref.global a plan reads (a constant of the model).
struct PlanGlobal {
  std::string name;
  std::string dtype;
  std::vector<uint8_t> bytes;
};

/// Kernels and globals are shared by the plans of one module.
struct PlanTables {
  std::vector<PlanKernel> kernels;
  std::vector<PlanGlobal> globals;
};

/// Writes the plan of `func` to `os`, adding the kernels and globals it uses
/// to `tables`. Fails with an error at the op that has no plan form.
mlir::LogicalResult buildLaunchPlan(mlir::func::FuncOp func,
                                    PlanTables &tables, llvm::raw_ostream &os);

/// Every public function with a body in `module`, each as a plan, in order.
mlir::LogicalResult buildLaunchPlans(mlir::ModuleOp module, PlanTables &tables,
                                     llvm::raw_ostream &os);

/// The element type's name in plans and graphs ("f32", "i64", "bool"...), or
/// empty when there is none.
std::string planDTypeName(mlir::Type type);

} // namespace nnc

#endif // NNC_CODEGEN_PACKAGE_LAUNCHPLAN_H
