// Importer: the ONNX importer's state and helpers, shared by the files that
// map operator families (ImportONNX.cpp, ImportFold.cpp, ImportShape.cpp,
// ImportMath.cpp, ImportNN.cpp). Private to frontend/onnx.
#ifndef NNC_FRONTEND_ONNX_IMPORTER_H
#define NNC_FRONTEND_ONNX_IMPORTER_H

#include "frontend/onnx/ImportONNX.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <vector>

namespace nnc::onnximport {

/// A tensor known at import time: an initializer, a Constant node's value or
/// a folded shape computation. `bytes` are the little-endian elements (bool:
/// one byte each).
struct Tensor {
  mlir::RankedTensorType type;
  std::vector<uint8_t> bytes;
};

/// A known tensor's elements widened for import-time arithmetic: integers
/// and bools in `i`, floats in `f` (the other vector is empty).
struct Host {
  llvm::SmallVector<int64_t> shape;
  mlir::Type dtype;
  std::vector<int64_t> i;
  std::vector<double> f;
  bool isFloat() const { return mlir::isa<mlir::FloatType>(dtype); }
  int64_t size() const { return isFloat() ? f.size() : i.size(); }
  double at(int64_t k) const { return isFloat() ? f[k] : double(i[k]); }
};

int64_t elementBytes(mlir::Type t);
Host toHost(const Tensor &t);
Tensor fromHost(const Host &h);
int64_t product(llvm::ArrayRef<int64_t> shape);
mlir::RankedTensorType typeOf(mlir::Value v);

class Importer {
public:
  Importer(mlir::MLIRContext &ctx, llvm::StringRef path,
           const ONNXImportOptions &options, std::string &error)
      : ctx(ctx), builder(&ctx), path(path.str()), options(options),
        error(error) {}

  mlir::OwningOpRef<mlir::ModuleOp> run();

private:
  // Diagnostics.
  bool fail(const llvm::Twine &message);
  std::string where() const;
  mlir::Location loc();

  // Tensors and types.
  mlir::Type dtype(int32_t onnxType);
  bool decode(const onnx::TensorProto &t, Tensor &out);
  bool readExternal(const onnx::TensorProto &t, std::vector<uint8_t> &out);
  std::optional<std::vector<int64_t>> ints(const Tensor &t);

  // Building ops.
  mlir::Value emit(llvm::StringRef op, mlir::ValueRange operands,
                   llvm::ArrayRef<mlir::NamedAttribute> attrs = {},
                   mlir::Type resultType = {});
  mlir::Value constant(const Tensor &t);
  mlir::Value scalar(mlir::Type elementType, double v);
  mlir::Value reshapeTo(mlir::Value x, mlir::RankedTensorType like);
  // Shorthands over emit (ImportShape.cpp); each returns null after fail().
  mlir::NamedAttribute named(llvm::StringRef name, mlir::Attribute a) {
    return builder.getNamedAttr(name, a);
  }
  mlir::NamedAttribute namedI64(llvm::StringRef name, int64_t v) {
    return named(name, builder.getI64IntegerAttr(v));
  }
  mlir::NamedAttribute namedI64s(llvm::StringRef name,
                                 llvm::ArrayRef<int64_t> v) {
    return named(name, builder.getDenseI64ArrayAttr(v));
  }
  mlir::Value reshape(mlir::Value x, llvm::ArrayRef<int64_t> shape);
  mlir::Value transpose(mlir::Value x, llvm::ArrayRef<int64_t> perm);
  mlir::Value slice(mlir::Value x, int64_t axis, int64_t start, int64_t end,
                    int64_t step = 1);
  mlir::Value take(mlir::Value x, int64_t axis, llvm::ArrayRef<int64_t> idx);
  mlir::Value compare(llvm::StringRef predicate, mlir::Value a, mlir::Value b);
  mlir::Value cast(mlir::Value x, mlir::Type elementType);
  mlir::Value reduce(llvm::StringRef op, mlir::Value x,
                     llvm::ArrayRef<int64_t> axes, bool keepdims);
  mlir::Value i64s(llvm::ArrayRef<int64_t> values,
                   llvm::ArrayRef<int64_t> shape);
  mlir::Value splat(mlir::Type elementType, double v,
                    llvm::ArrayRef<int64_t> shape);
  mlir::Value padConstant(mlir::Value x, llvm::ArrayRef<int64_t> before,
                          llvm::ArrayRef<int64_t> after, double value);

  // The current node.
  bool importNode(const onnx::NodeProto &n);
  /// Computes the node at import when its inputs are known (shape
  /// computations); nullopt when it does not apply.
  std::optional<bool> foldNode(llvm::StringRef op);
  std::optional<bool> importShapeOp(llvm::StringRef op);
  std::optional<bool> importMathOp(llvm::StringRef op);
  std::optional<bool> importNNOp(llvm::StringRef op);
  bool importPool(llvm::StringRef op);
  bool importConv(bool transposed);
  bool importResize();
  bool importNLL(mlir::Value logProb, mlir::Value target, mlir::Value weight,
                 llvm::SmallVectorImpl<mlir::Value> &outs);
  bool checkAttrs(std::initializer_list<llvm::StringRef> known);
  const onnx::AttributeProto *attr(llvm::StringRef name);
  int64_t attrInt(llvm::StringRef name, int64_t dflt);
  float attrFloat(llvm::StringRef name, float dflt);
  std::string attrString(llvm::StringRef name, llvm::StringRef dflt);
  std::optional<std::vector<int64_t>> attrInts(llvm::StringRef name);
  bool hasInput(int i) const {
    return node->input_size() > i && !node->input(i).empty();
  }
  bool wantsOutput(int i) const {
    return node->output_size() > i && !node->output(i).empty();
  }
  mlir::Value input(int i);
  std::optional<std::vector<int64_t>> constInput(int i);
  /// The type of input `i`, known or not (null after fail()).
  mlir::RankedTensorType inputType(int i);
  /// The import-time value of input `i`, or null when it is not known.
  const Tensor *known(int i);
  /// The static shape a graph output or value_info declares for `name`.
  std::optional<llvm::SmallVector<int64_t>> declaredShape(llvm::StringRef name);
  std::optional<int64_t> axis(int64_t a, int64_t rank, bool allowEnd = false);
  bool define(mlir::Value v);
  /// Defines the node's outputs from `vs` (an output the node leaves unnamed
  /// may be null in `vs`; a named one that `vs` lacks is an error).
  bool defineAll(llvm::ArrayRef<mlir::Value> vs);
  /// Defines output `i` as a value known at import (nn.constant on use).
  bool defineKnown(const Tensor &t, int i = 0);
  bool needStatic(mlir::RankedTensorType t, llvm::StringRef what);

  mlir::MLIRContext &ctx;
  mlir::OpBuilder builder;
  std::string path;
  const ONNXImportOptions &options;
  std::string &error;
  std::string captured; // the last MLIR diagnostic, while importing
  int64_t opset = 0;
  const onnx::NodeProto *node = nullptr;
  llvm::StringMap<mlir::Value> values;
  llvm::StringMap<Tensor> constants;
  llvm::StringMap<const onnx::ValueInfoProto *> declared;
};

} // namespace nnc::onnximport

#endif // NNC_FRONTEND_ONNX_IMPORTER_H
