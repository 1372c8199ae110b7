// ASTDump: prints the .nn syntax tree with line:col locations (--emit=ast).
#include "frontend/nn/AST.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/Format.h"

using namespace nnc::nnlang;
using llvm::cast;

const char *nnc::nnlang::binOpSpelling(BinOp op) {
  switch (op) {
  case BinOp::Add: return "+";
  case BinOp::Sub: return "-";
  case BinOp::Mul: return "*";
  case BinOp::Div: return "/";
  case BinOp::MatMul: return "@";
  case BinOp::Eq: return "==";
  case BinOp::Ne: return "!=";
  case BinOp::Lt: return "<";
  case BinOp::Le: return "<=";
  case BinOp::Gt: return ">";
  case BinOp::Ge: return ">=";
  }
  return "?";
}

const char *nnc::nnlang::roleName(DeclStmt::Role role) {
  switch (role) {
  case DeclStmt::Role::Input: return "input";
  case DeclStmt::Role::Param: return "param";
  case DeclStmt::Role::State: return "state";
  }
  return "?";
}

namespace {
class Dumper {
public:
  explicit Dumper(llvm::raw_ostream &os) : os(os) {}

  void stmt(const Stmt &s);
  void expr(const Expr &e);

private:
  llvm::raw_ostream &line() { return os.indent(depth * 2); }
  void loc(const Location &l) { os << " <" << l.line << ":" << l.col << ">\n"; }
  struct Indent {
    explicit Indent(Dumper &d) : d(d) { ++d.depth; }
    ~Indent() { --d.depth; }
    Dumper &d;
  };

  llvm::raw_ostream &os;
  unsigned depth = 0;
  friend struct Indent;

public:
  void type(const TypeSpec &t) {
    os << t.dtype << "[";
    for (size_t i = 0; i < t.dims.size(); ++i) {
      if (i)
        os << ", ";
      if (t.dims[i].size)
        os << *t.dims[i].size;
      else
        os << t.dims[i].name;
    }
    os << "]";
  }
  void module(const Module &m) {
    line() << "Module\n";
    Indent in(*this);
    for (const StmtPtr &s : m.stmts)
      stmt(*s);
  }
};
} // namespace

void Dumper::stmt(const Stmt &s) {
  switch (s.kind) {
  case Stmt::Kind::Model:
    line() << "Model " << cast<ModelStmt>(s).name;
    loc(s.loc);
    return;
  case Stmt::Kind::Decl: {
    const auto &d = cast<DeclStmt>(s);
    std::string role = roleName(d.role);
    role[0] = static_cast<char>(toupper(role[0]));
    line() << role << " " << d.name << " : ";
    type(d.type);
    loc(s.loc);
    if (d.init) {
      Indent in(*this);
      line() << "Init\n";
      Indent in2(*this);
      expr(*d.init);
    }
    return;
  }
  case Stmt::Kind::Assign: {
    const auto &a = cast<AssignStmt>(s);
    line() << "Assign " << a.name;
    loc(s.loc);
    Indent in(*this);
    expr(*a.value);
    return;
  }
  case Stmt::Kind::Output: {
    line() << "Output";
    for (const auto &n : cast<OutputStmt>(s).names)
      os << " " << n.first;
    loc(s.loc);
    return;
  }
  case Stmt::Kind::Train: {
    const auto &t = cast<TrainStmt>(s);
    line() << "Train " << t.loss;
    loc(s.loc);
    Indent in(*this);
    line() << "Optimizer\n";
    Indent in2(*this);
    expr(*t.optimizer);
    return;
  }
  case Stmt::Kind::Fn: {
    const auto &f = cast<FnStmt>(s);
    line() << "Fn " << f.name << "(";
    for (size_t i = 0; i < f.params.size(); ++i)
      os << (i ? ", " : "") << f.params[i].first;
    os << ")";
    loc(s.loc);
    Indent in(*this);
    for (const auto &a : f.body)
      stmt(*a);
    line() << "Return";
    loc(f.returnLoc);
    Indent in2(*this);
    expr(*f.result);
    return;
  }
  }
}

void Dumper::expr(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Number: {
    const auto &n = cast<NumberExpr>(e);
    line() << "Number ";
    if (n.isInt)
      os << n.intValue;
    else
      os << llvm::format("%.9g", n.value);
    break;
  }
  case Expr::Kind::Bool:
    line() << "Bool " << (cast<BoolExpr>(e).value ? "true" : "false");
    break;
  case Expr::Kind::String:
    line() << "String \"";
    os.write_escaped(cast<StringExpr>(e).value);
    os << "\"";
    break;
  case Expr::Kind::Name:
    line() << "Name " << cast<NameExpr>(e).name;
    break;
  case Expr::Kind::List: {
    line() << "List";
    loc(e.loc);
    Indent in(*this);
    for (const ExprPtr &x : cast<ListExpr>(e).elements)
      expr(*x);
    return;
  }
  case Expr::Kind::Unary: {
    line() << "Unary -";
    loc(e.loc);
    Indent in(*this);
    expr(*cast<UnaryExpr>(e).operand);
    return;
  }
  case Expr::Kind::Binary: {
    const auto &b = cast<BinaryExpr>(e);
    line() << "Binary " << binOpSpelling(b.op);
    loc(e.loc);
    Indent in(*this);
    expr(*b.lhs);
    expr(*b.rhs);
    return;
  }
  case Expr::Kind::Call: {
    const auto &c = cast<CallExpr>(e);
    line() << "Call " << c.callee;
    loc(e.loc);
    Indent in(*this);
    for (const ExprPtr &a : c.args)
      expr(*a);
    for (const KeywordArg &k : c.kwargs) {
      line() << "Keyword " << k.name;
      loc(k.loc);
      Indent in2(*this);
      expr(*k.value);
    }
    return;
  }
  }
  loc(e.loc);
}

void nnc::nnlang::dumpAST(const Module &module, llvm::raw_ostream &os) {
  Dumper(os).module(module);
}
