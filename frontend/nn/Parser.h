// Parser: recursive-descent parser from .nn tokens to the AST.
#ifndef NNC_FRONTEND_NN_PARSER_H
#define NNC_FRONTEND_NN_PARSER_H

#include "frontend/nn/AST.h"
#include "frontend/nn/Lexer.h"
#include <deque>

namespace nnc::nnlang {

/// Parses a whole file (parseModule) or one expression (parseExpression, for
/// tests). Stops at the first error: the result is null and error() says where
/// and why. Precedence, loosest first: comparisons < `+ -` < `* / @` <
/// unary `-` < calls.
class Parser {
public:
  explicit Parser(Lexer &lexer) : lexer(lexer) {}

  std::unique_ptr<Module> parseModule();
  ExprPtr parseExpression();

  const SyntaxError &error() const { return err; }

private:
  const Token &peek(size_t ahead = 0);
  Token take();
  bool at(Tok kind) { return peek().kind == kind; }
  bool failed() const { return hasError; }
  /// Records the first error (later ones are ignored) and returns null.
  std::nullptr_t fail(const Location &loc, const std::string &message);
  std::nullptr_t failAt(const Token &tok, const std::string &expected);
  bool expect(Tok kind, const char *what);
  void skipSeparators();
  bool expectEndOfStatement();

  StmtPtr parseStatement();
  StmtPtr parseModel();
  StmtPtr parseDecl(DeclStmt::Role role);
  StmtPtr parseOutput();
  StmtPtr parseTrain();
  StmtPtr parseFn();
  std::unique_ptr<AssignStmt> parseAssign();
  bool parseType(TypeSpec &type);

  ExprPtr parseExpr();
  ExprPtr parseComparison();
  ExprPtr parseAdditive();
  ExprPtr parseMultiplicative();
  ExprPtr parseUnary();
  ExprPtr parsePostfix();
  ExprPtr parsePrimary();
  ExprPtr parseCallArgs(std::unique_ptr<CallExpr> call);

  /// Fails when `e` is nested deeper than the parser allows; returns `e`.
  ExprPtr checkDepth(ExprPtr e);
  /// Counts open parentheses/brackets/unary minus for the recursion bound.
  bool enter(const Location &loc);

  Lexer &lexer;
  unsigned nesting = 0;
  std::deque<Token> lookahead;
  SyntaxError err;
  bool hasError = false;
};

/// Lexes and parses `buffer`; on failure returns null and fills `error`.
std::unique_ptr<Module> parseSource(llvm::StringRef buffer,
                                    llvm::StringRef filename,
                                    SyntaxError &error);

} // namespace nnc::nnlang

#endif // NNC_FRONTEND_NN_PARSER_H
