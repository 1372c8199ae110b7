// MLIRGenImpl: the generator shared by MLIRGen.cpp (declarations, functions,
// expressions, fn inlining) and MLIRGenCalls.cpp (argument matching, op
// creation, one lowering per operator). Internal to frontend/nn.
#ifndef NNC_FRONTEND_NN_MLIRGENIMPL_H
#define NNC_FRONTEND_NN_MLIRGENIMPL_H

#include "frontend/nn/MLIRGen.h"
#include "frontend/nn/Signatures.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include <optional>

namespace nnc::nnlang::detail {

inline constexpr size_t kMaxOps = 200000;
inline constexpr size_t kMaxFnDepth = 64;

struct Literal;

/// What an expression evaluates to: a tensor, or a literal that becomes an
/// attribute or (next to a tensor) an nn.constant of the tensor's dtype.
struct Val {
  mlir::Value tensor;
  std::shared_ptr<Literal> lit;
  Location loc;
};

struct Literal {
  enum Kind { Number, Bool, String, List, Dtype } kind;
  double f = 0;
  int64_t i = 0;
  bool isInt = false;
  bool b = false;
  std::string s; // string value or dtype name
  std::vector<Val> elems;
};

struct Scope {
  llvm::StringMap<Val> names;
  llvm::StringMap<Location> defs;
  Scope *parent = nullptr;
  const Val *lookup(llvm::StringRef name) const {
    auto it = names.find(name);
    if (it != names.end())
      return &it->second;
    return parent ? parent->lookup(name) : nullptr;
  }
};

/// One argument of a call after matching against its signature.
struct Arg {
  const ParamSpec *spec;
  std::optional<Val> val; // empty: not given, use the default
  Location loc;           // the argument's location, or the call's
};

inline std::string fmtDouble(double v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format("%.9g", v);
  return s;
}

class Generator {
public:
  Generator(mlir::MLIRContext &ctx, const Module &ast,
            const MLIRGenOptions &options)
      : ctx(ctx), ast(ast), options(options), builder(&ctx) {}

  mlir::OwningOpRef<mlir::ModuleOp> run();

private:
  // Locations and diagnostics.
  mlir::Location loc(const Location &l);
  mlir::InFlightDiagnostic error(const Location &l) {
    return mlir::emitError(loc(l));
  }
  std::string describe(const Val &v);

  // Declarations.
  mlir::Type dtype(llvm::StringRef name);
  std::optional<mlir::RankedTensorType> declType(const DeclStmt &decl);
  std::optional<std::string> initText(const DeclStmt &decl,
                                      mlir::RankedTensorType type);
  mlir::LogicalResult collect();
  mlir::LogicalResult genFunction(llvm::StringRef name, bool isLoss);
  mlir::LogicalResult genTrainAttr(mlir::ModuleOp module);

  // Expressions.
  std::optional<Val> genExpr(const Expr &e, Scope &scope);
  std::optional<Val> genName(const NameExpr &e, Scope &scope);
  std::optional<Val> genBinary(const BinaryExpr &e, Scope &scope);
  std::optional<Val> genCall(const CallExpr &e, Scope &scope);
  std::optional<Val> genFnCall(const FnStmt &fn, const CallExpr &e,
                               Scope &scope);
  std::optional<Val> genOperator(const Signature &sig, const CallExpr &e,
                                 std::vector<Arg> &args);

  // Arguments.
  std::optional<std::vector<Arg>> bind(const Signature &sig,
                                       llvm::StringRef callee,
                                       const Location &callLoc,
                                       const std::vector<ExprPtr> &positional,
                                       const std::vector<KeywordArg> &keywords,
                                       Scope &scope);
  mlir::InFlightDiagnostic argError(const Arg &a, llvm::StringRef callee);
  std::optional<mlir::Value> argTensor(const Arg &a, llvm::StringRef callee);
  std::optional<int64_t> argInt(const Arg &a, llvm::StringRef callee);
  std::optional<std::vector<int64_t>> argInts(const Arg &a,
                                              llvm::StringRef callee);
  std::optional<double> argFloat(const Arg &a, llvm::StringRef callee);
  std::optional<bool> argBool(const Arg &a, llvm::StringRef callee);
  std::optional<std::string> argString(const Arg &a, llvm::StringRef callee);
  std::optional<std::vector<int64_t>> argPair(const Arg &a,
                                              llvm::StringRef callee);
  std::optional<int64_t> normAxis(int64_t axis, int64_t rank, const Arg &a,
                                  llvm::StringRef callee, bool allowEnd = false);

  // Ops.
  std::optional<Val> emit(llvm::StringRef opName, const Location &l,
                          mlir::ValueRange operands,
                          llvm::ArrayRef<mlir::NamedAttribute> attrs,
                          mlir::Type explicitType = {});
  std::optional<mlir::Value> materialize(const Val &lit, mlir::Type elemType,
                                         const Val &other);
  std::optional<Val> elementwise(llvm::StringRef opName, llvm::StringRef what,
                                 const Location &l, llvm::ArrayRef<Val> vals,
                                 size_t firstLiteralOk,
                                 llvm::ArrayRef<mlir::NamedAttribute> attrs);
  std::optional<Val> matmul(const Val &lhs, const Val &rhs, const Location &l,
                            llvm::StringRef what);

  mlir::MLIRContext &ctx;
  const Module &ast;
  const MLIRGenOptions &options;
  mlir::OpBuilder builder;
  mlir::OwningOpRef<mlir::ModuleOp> module;

  const ModelStmt *model = nullptr;
  std::vector<const DeclStmt *> decls;
  std::vector<mlir::RankedTensorType> declTypes;
  std::vector<std::string> declInits;
  const OutputStmt *output = nullptr;
  const TrainStmt *train = nullptr;
  llvm::StringMap<const FnStmt *> fns;

  size_t opCount = 0;
  bool inLoss = false;
  std::vector<const FnStmt *> fnStack;
  std::vector<mlir::Location> callSites; // innermost last
};

} // namespace nnc::nnlang::detail

#endif // NNC_FRONTEND_NN_MLIRGENIMPL_H
