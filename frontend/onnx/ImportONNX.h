// ImportONNX: reads an ONNX model file (opsets 1-17) into a verified nn module.
#ifndef NNC_FRONTEND_ONNX_IMPORTONNX_H
#define NNC_FRONTEND_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace nnc {

struct ONNXImportOptions {
  /// `--dim N=4`: an input dimension whose dim_param is N becomes static 4.
  llvm::StringMap<int64_t> dims;
};

/// Builds `func.func @forward` from the ModelProto in `path`: graph inputs
/// become nn inputs (dim_param dims dynamic, named in nn.dims), initializers
/// params with `data(HEX)` init, graph outputs the named results. On any
/// problem (unreadable, corrupt or truncated file; an unsupported operator,
/// attribute or dtype) returns null and sets `error` to one line naming the
/// file and, where there is one, the node, its operator and the opset.
mlir::OwningOpRef<mlir::ModuleOp> importONNX(mlir::MLIRContext &context,
                                             llvm::StringRef path,
                                             const ONNXImportOptions &options,
                                             std::string &error);

} // namespace nnc

#endif // NNC_FRONTEND_ONNX_IMPORTONNX_H
