// AST: the syntax tree of a .nn model (Toy-style: plain structs with locations).
#ifndef NNC_FRONTEND_NN_AST_H
#define NNC_FRONTEND_NN_AST_H

#include "frontend/nn/Location.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nnc::nnlang {

//===- Expressions ---------------------------------------------------------===//

struct Expr {
  enum class Kind { Number, Bool, String, List, Name, Unary, Binary, Call };
  Expr(Kind kind, Location loc) : kind(kind), loc(std::move(loc)) {}
  virtual ~Expr() = default;
  Kind kind;
  Location loc;
  /// Height of the subtree (1 for a leaf); the parser bounds it so that the
  /// recursive passes over the tree cannot exhaust the stack.
  unsigned depth = 1;
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberExpr : Expr {
  NumberExpr(Location loc, double value, bool isInt, int64_t intValue)
      : Expr(Kind::Number, std::move(loc)), value(value), isInt(isInt),
        intValue(intValue) {}
  double value;
  bool isInt;       // written without '.' or exponent
  int64_t intValue; // valid when isInt
  static bool classof(const Expr *e) { return e->kind == Kind::Number; }
};

struct BoolExpr : Expr {
  BoolExpr(Location loc, bool value)
      : Expr(Kind::Bool, std::move(loc)), value(value) {}
  bool value;
  static bool classof(const Expr *e) { return e->kind == Kind::Bool; }
};

struct StringExpr : Expr {
  StringExpr(Location loc, std::string value)
      : Expr(Kind::String, std::move(loc)), value(std::move(value)) {}
  std::string value;
  static bool classof(const Expr *e) { return e->kind == Kind::String; }
};

struct ListExpr : Expr {
  ListExpr(Location loc, std::vector<ExprPtr> elements)
      : Expr(Kind::List, std::move(loc)), elements(std::move(elements)) {}
  std::vector<ExprPtr> elements;
  static bool classof(const Expr *e) { return e->kind == Kind::List; }
};

/// A reference to a value, a dtype name (`f16`) or a bare initializer (`zeros`).
struct NameExpr : Expr {
  NameExpr(Location loc, std::string name)
      : Expr(Kind::Name, std::move(loc)), name(std::move(name)) {}
  std::string name;
  static bool classof(const Expr *e) { return e->kind == Kind::Name; }
};

struct UnaryExpr : Expr { // only unary minus
  UnaryExpr(Location loc, ExprPtr operand)
      : Expr(Kind::Unary, std::move(loc)), operand(std::move(operand)) {}
  ExprPtr operand;
  static bool classof(const Expr *e) { return e->kind == Kind::Unary; }
};

enum class BinOp { Add, Sub, Mul, Div, MatMul, Eq, Ne, Lt, Le, Gt, Ge };
/// The source spelling of an operator: "+", "@", "<=", ...
const char *binOpSpelling(BinOp op);

struct BinaryExpr : Expr {
  BinaryExpr(Location loc, BinOp op, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind::Binary, std::move(loc)), op(op), lhs(std::move(lhs)),
        rhs(std::move(rhs)) {}
  BinOp op;
  ExprPtr lhs, rhs;
  static bool classof(const Expr *e) { return e->kind == Kind::Binary; }
};

struct KeywordArg {
  std::string name;
  Location loc;
  ExprPtr value;
};

struct CallExpr : Expr {
  CallExpr(Location loc, std::string callee)
      : Expr(Kind::Call, std::move(loc)), callee(std::move(callee)) {}
  std::string callee;
  std::vector<ExprPtr> args;
  std::vector<KeywordArg> kwargs;
  static bool classof(const Expr *e) { return e->kind == Kind::Call; }
};

//===- Types and statements ------------------------------------------------===//

/// A dimension: a size, or a name (dynamic unless bound with --dim).
struct Dim {
  Location loc;
  std::optional<int64_t> size;
  std::string name;
};

/// The dtype names of the language, in the order diagnostics list them.
inline constexpr const char *kDtypeNames[] = {
    "f64", "f32", "f16", "bf16", "i8",  "i16", "i32",
    "i64", "u8",  "u16", "u32",  "u64", "bool"};
inline constexpr const char *kDtypeNameList =
    "f64, f32, f16, bf16, i8, i16, i32, i64, u8, u16, u32, u64 or bool";
inline bool isDtypeName(const std::string &s) {
  for (const char *name : kDtypeNames)
    if (s == name)
      return true;
  return false;
}

struct TypeSpec {
  Location loc;
  std::string dtype; // as written: one of kDtypeNames
  std::vector<Dim> dims;
};

struct Stmt {
  enum class Kind { Model, Decl, Assign, Output, Train, Fn };
  Stmt(Kind kind, Location loc) : kind(kind), loc(std::move(loc)) {}
  virtual ~Stmt() = default;
  Kind kind;
  Location loc;
};
using StmtPtr = std::unique_ptr<Stmt>;

struct ModelStmt : Stmt {
  ModelStmt(Location loc, std::string name)
      : Stmt(Kind::Model, std::move(loc)), name(std::move(name)) {}
  std::string name;
  static bool classof(const Stmt *s) { return s->kind == Kind::Model; }
};

/// `input NAME : TYPE`, `param NAME : TYPE = INIT`, `state NAME : TYPE = INIT`.
struct DeclStmt : Stmt {
  enum class Role { Input, Param, State };
  DeclStmt(Location loc, Role role) : Stmt(Kind::Decl, std::move(loc)), role(role) {}
  Role role;
  std::string name;
  Location nameLoc;
  TypeSpec type;
  ExprPtr init; // null for inputs
  static bool classof(const Stmt *s) { return s->kind == Kind::Decl; }
};
const char *roleName(DeclStmt::Role role);

struct AssignStmt : Stmt {
  AssignStmt(Location loc, std::string name, ExprPtr value)
      : Stmt(Kind::Assign, std::move(loc)), name(std::move(name)),
        value(std::move(value)) {}
  std::string name;
  ExprPtr value;
  static bool classof(const Stmt *s) { return s->kind == Kind::Assign; }
};

struct OutputStmt : Stmt {
  explicit OutputStmt(Location loc) : Stmt(Kind::Output, std::move(loc)) {}
  std::vector<std::pair<std::string, Location>> names;
  static bool classof(const Stmt *s) { return s->kind == Kind::Output; }
};

/// `train LOSS with OPTIMIZER(k=v, ...)`; the optimizer is a Name or a Call.
struct TrainStmt : Stmt {
  explicit TrainStmt(Location loc) : Stmt(Kind::Train, std::move(loc)) {}
  std::string loss;
  Location lossLoc;
  ExprPtr optimizer;
  static bool classof(const Stmt *s) { return s->kind == Kind::Train; }
};

/// `fn NAME(a, b) { stmts; return EXPR }`, inlined at each call.
struct FnStmt : Stmt {
  explicit FnStmt(Location loc) : Stmt(Kind::Fn, std::move(loc)) {}
  std::string name;
  std::vector<std::pair<std::string, Location>> params;
  std::vector<std::unique_ptr<AssignStmt>> body;
  ExprPtr result;
  Location returnLoc;
  static bool classof(const Stmt *s) { return s->kind == Kind::Fn; }
};

/// A whole .nn file: its statements in source order.
struct Module {
  std::vector<StmtPtr> stmts;
};

/// Prints the tree with `line:col` locations (`nnc --emit=ast`).
void dumpAST(const Module &module, llvm::raw_ostream &os);

} // namespace nnc::nnlang

#endif // NNC_FRONTEND_NN_AST_H
