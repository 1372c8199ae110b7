// Parser: recursive-descent parser from .nn tokens to the AST.
#include "frontend/nn/Parser.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Casting.h"

using namespace nnc::nnlang;

const Token &Parser::peek(size_t ahead) {
  while (lookahead.size() <= ahead) {
    lookahead.push_back(lexer.next());
    const Token &t = lookahead.back();
    if (t.kind == Tok::Error)
      fail(t.loc, lexer.error());
  }
  return lookahead[ahead];
}

Token Parser::take() {
  Token t = peek();
  if (t.kind != Tok::Eof && t.kind != Tok::Error)
    lookahead.pop_front();
  return t;
}

std::nullptr_t Parser::fail(const Location &loc, const std::string &message) {
  if (!hasError) {
    hasError = true;
    err = SyntaxError{loc, message};
  }
  return nullptr;
}

static std::string describe(const Token &tok) {
  switch (tok.kind) {
  case Tok::Ident:
    return "identifier '" + tok.text + "'";
  case Tok::Int:
  case Tok::Float:
    return "number '" + tok.text + "'";
  case Tok::String:
    return "a string";
  default:
    return tokName(tok.kind);
  }
}

std::nullptr_t Parser::failAt(const Token &tok, const std::string &expected) {
  return fail(tok.loc, "expected " + expected + ", got " + describe(tok));
}

bool Parser::expect(Tok kind, const char *what) {
  if (at(kind)) {
    take();
    return true;
  }
  failAt(peek(), what);
  return false;
}

void Parser::skipSeparators() {
  while (at(Tok::Newline) || at(Tok::Semicolon))
    take();
}

bool Parser::expectEndOfStatement() {
  if (at(Tok::Newline) || at(Tok::Semicolon) || at(Tok::Eof)) {
    take();
    return true;
  }
  failAt(peek(), "end of statement");
  return false;
}

std::unique_ptr<Module> nnc::nnlang::parseSource(llvm::StringRef buffer,
                                                 llvm::StringRef filename,
                                                 SyntaxError &error) {
  Lexer lexer(buffer, filename);
  Parser parser(lexer);
  auto module = parser.parseModule();
  if (!module)
    error = parser.error();
  return module;
}

/// Deep enough for any real model, shallow enough for the recursive passes:
/// kMaxNesting bounds the parser's own recursion (parentheses, brackets,
/// calls, unary minus), kMaxDepth the height of the tree (long `a + b + ...`
/// chains are parsed iteratively but visited recursively).
static constexpr unsigned kMaxNesting = 256;
static constexpr unsigned kMaxDepth = 1024;

ExprPtr Parser::checkDepth(ExprPtr e) {
  if (!e)
    return nullptr;
  unsigned depth = 1;
  if (auto *b = llvm::dyn_cast<BinaryExpr>(e.get()))
    depth += std::max(b->lhs->depth, b->rhs->depth);
  else if (auto *u = llvm::dyn_cast<UnaryExpr>(e.get()))
    depth += u->operand->depth;
  else if (auto *l = llvm::dyn_cast<ListExpr>(e.get())) {
    for (const ExprPtr &x : l->elements)
      depth = std::max(depth, x->depth + 1);
  } else if (auto *c = llvm::dyn_cast<CallExpr>(e.get())) {
    for (const ExprPtr &x : c->args)
      depth = std::max(depth, x->depth + 1);
    for (const KeywordArg &k : c->kwargs)
      depth = std::max(depth, k.value->depth + 1);
  }
  e->depth = depth;
  if (depth > kMaxDepth)
    return fail(e->loc, "expression is nested too deeply (more than " +
                            std::to_string(kMaxDepth) + " levels)");
  return e;
}

bool Parser::enter(const Location &loc) {
  if (++nesting <= kMaxNesting)
    return true;
  fail(loc, "expression is nested too deeply (more than " +
                std::to_string(kMaxNesting) + " levels)");
  return false;
}

//===- Statements ----------------------------------------------------------===//

std::unique_ptr<Module> Parser::parseModule() {
  auto module = std::make_unique<Module>();
  skipSeparators();
  if (failed())
    return nullptr;
  if (!at(Tok::KwModel))
    return at(Tok::Eof)
               ? fail(peek().loc, "empty file: expected 'model NAME'")
               : fail(peek().loc, "expected 'model NAME' as the first "
                                  "statement, got " + describe(peek()));
  while (!failed()) {
    skipSeparators();
    if (at(Tok::Eof) || failed())
      break;
    StmtPtr stmt = parseStatement();
    if (!stmt)
      return nullptr;
    if (stmt->kind == Stmt::Kind::Model && !module->stmts.empty())
      return fail(stmt->loc, "duplicate 'model' statement");
    module->stmts.push_back(std::move(stmt));
  }
  if (failed())
    return nullptr;
  return module;
}

StmtPtr Parser::parseStatement() {
  const Token &tok = peek();
  switch (tok.kind) {
  case Tok::KwModel:
    return parseModel();
  case Tok::KwInput:
    return parseDecl(DeclStmt::Role::Input);
  case Tok::KwParam:
    return parseDecl(DeclStmt::Role::Param);
  case Tok::KwState:
    return parseDecl(DeclStmt::Role::State);
  case Tok::KwOutput:
    return parseOutput();
  case Tok::KwTrain:
    return parseTrain();
  case Tok::KwFn:
    return parseFn();
  case Tok::KwReturn:
    return fail(tok.loc, "'return' outside of a fn block");
  case Tok::Ident: {
    auto assign = parseAssign();
    if (!assign || !expectEndOfStatement())
      return nullptr;
    return assign;
  }
  default:
    return failAt(tok, "a statement");
  }
}

StmtPtr Parser::parseModel() {
  Token kw = take();
  if (!at(Tok::Ident))
    return failAt(peek(), "a model name");
  Token name = take();
  if (!expectEndOfStatement())
    return nullptr;
  return std::make_unique<ModelStmt>(kw.loc, name.text);
}

bool Parser::parseType(TypeSpec &type) {
  if (!at(Tok::Ident)) {
    failAt(peek(), "a type such as f32[B, 784]");
    return false;
  }
  Token dt = take();
  type.loc = dt.loc;
  type.dtype = dt.text;
  if (!isDtypeName(dt.text)) {
    fail(dt.loc, "unknown dtype '" + dt.text + "'; expected " +
                     std::string(kDtypeNameList));
    return false;
  }
  if (!at(Tok::LBracket)) {
    failAt(peek(), "'[' after the dtype (a scalar is " + dt.text + "[])");
    return false;
  }
  take();
  if (at(Tok::RBracket)) {
    take();
    return true;
  }
  for (;;) {
    Token d = take();
    Dim dim;
    dim.loc = d.loc;
    if (d.kind == Tok::Int)
      dim.size = d.intValue;
    else if (d.kind == Tok::Ident)
      dim.name = d.text;
    else {
      failAt(d, "a dimension (an integer or a name)");
      return false;
    }
    type.dims.push_back(std::move(dim));
    if (at(Tok::Comma)) {
      take();
      continue;
    }
    return expect(Tok::RBracket, "',' or ']' in the shape");
  }
}

StmtPtr Parser::parseDecl(DeclStmt::Role role) {
  Token kw = take();
  auto decl = std::make_unique<DeclStmt>(kw.loc, role);
  if (!at(Tok::Ident))
    return failAt(peek(), std::string("a name after '") + roleName(role) + "'");
  Token name = take();
  decl->name = name.text;
  decl->nameLoc = name.loc;
  if (!expect(Tok::Colon, "':' and a type"))
    return nullptr;
  if (!parseType(decl->type))
    return nullptr;
  if (role == DeclStmt::Role::Input) {
    if (at(Tok::Assign))
      return fail(peek().loc, "an input has no initializer");
  } else {
    if (!at(Tok::Assign))
      return failAt(peek(), std::string("'= INIT' (a ") + roleName(role) +
                                " needs an initializer such as zeros)");
    take();
    decl->init = parseExpr();
    if (!decl->init)
      return nullptr;
  }
  if (!expectEndOfStatement())
    return nullptr;
  return decl;
}

StmtPtr Parser::parseOutput() {
  Token kw = take();
  auto out = std::make_unique<OutputStmt>(kw.loc);
  for (;;) {
    if (!at(Tok::Ident))
      return failAt(peek(), "an output name");
    Token name = take();
    out->names.emplace_back(name.text, name.loc);
    if (!at(Tok::Comma))
      break;
    take();
  }
  if (!expectEndOfStatement())
    return nullptr;
  return out;
}

StmtPtr Parser::parseTrain() {
  Token kw = take();
  auto train = std::make_unique<TrainStmt>(kw.loc);
  if (!at(Tok::Ident))
    return failAt(peek(), "the name of the loss after 'train'");
  Token loss = take();
  train->loss = loss.text;
  train->lossLoc = loss.loc;
  if (!expect(Tok::KwWith, "'with' and an optimizer"))
    return nullptr;
  if (!at(Tok::Ident))
    return failAt(peek(), "an optimizer such as adam(lr=0.001)");
  train->optimizer = parsePostfix();
  if (!train->optimizer || !expectEndOfStatement())
    return nullptr;
  return train;
}

std::unique_ptr<AssignStmt> Parser::parseAssign() {
  Token name = take();
  if (!at(Tok::Assign)) {
    failAt(peek(), "'=' after '" + name.text + "'");
    return nullptr;
  }
  take();
  ExprPtr value = parseExpr();
  if (!value)
    return nullptr;
  return std::make_unique<AssignStmt>(name.loc, name.text, std::move(value));
}

StmtPtr Parser::parseFn() {
  Token kw = take();
  auto fn = std::make_unique<FnStmt>(kw.loc);
  if (!at(Tok::Ident))
    return failAt(peek(), "a name after 'fn'");
  fn->name = take().text;
  if (!expect(Tok::LParen, "'(' after the fn name"))
    return nullptr;
  llvm::StringSet<> seen;
  if (!at(Tok::RParen)) {
    for (;;) {
      if (!at(Tok::Ident))
        return failAt(peek(), "a parameter name");
      Token p = take();
      if (!seen.insert(p.text).second)
        return fail(p.loc, "duplicate parameter '" + p.text + "'");
      fn->params.emplace_back(p.text, p.loc);
      if (!at(Tok::Comma))
        break;
      take();
    }
  }
  if (!expect(Tok::RParen, "',' or ')' after the parameters"))
    return nullptr;
  if (!expect(Tok::LBrace, "'{' to open the fn body"))
    return nullptr;
  for (;;) {
    skipSeparators();
    if (failed())
      return nullptr;
    if (at(Tok::KwReturn)) {
      fn->returnLoc = take().loc;
      fn->result = parseExpr();
      if (!fn->result)
        return nullptr;
      skipSeparators();
      if (!expect(Tok::RBrace, "'}' after the return statement"))
        return nullptr;
      break;
    }
    if (at(Tok::RBrace) || at(Tok::Eof))
      return fail(at(Tok::RBrace) ? peek().loc : fn->loc,
                  "fn '" + fn->name + "' has no 'return'");
    if (!at(Tok::Ident))
      return failAt(peek(), "an assignment or 'return' in the fn body");
    auto assign = parseAssign();
    if (!assign)
      return nullptr;
    if (!at(Tok::Newline) && !at(Tok::Semicolon) && !at(Tok::RBrace))
      return failAt(peek(), "end of statement");
    fn->body.push_back(std::move(assign));
  }
  if (!expectEndOfStatement())
    return nullptr;
  return fn;
}

//===- Expressions ---------------------------------------------------------===//

ExprPtr Parser::parseExpression() {
  skipSeparators();
  ExprPtr e = parseExpr();
  if (!e)
    return nullptr;
  if (!at(Tok::Newline) && !at(Tok::Eof))
    return failAt(peek(), "end of expression");
  return e;
}

ExprPtr Parser::parseExpr() { return parseComparison(); }

static std::optional<BinOp> comparisonOp(Tok kind) {
  switch (kind) {
  case Tok::EqEq: return BinOp::Eq;
  case Tok::NotEq: return BinOp::Ne;
  case Tok::Less: return BinOp::Lt;
  case Tok::LessEq: return BinOp::Le;
  case Tok::Greater: return BinOp::Gt;
  case Tok::GreaterEq: return BinOp::Ge;
  default: return std::nullopt;
  }
}

ExprPtr Parser::parseComparison() {
  ExprPtr lhs = parseAdditive();
  if (!lhs)
    return nullptr;
  if (auto op = comparisonOp(peek().kind)) {
    Token opTok = take();
    ExprPtr rhs = parseAdditive();
    if (!rhs)
      return nullptr;
    if (comparisonOp(peek().kind))
      return fail(peek().loc, "comparisons cannot be chained; use parentheses");
    lhs = checkDepth(std::make_unique<BinaryExpr>(opTok.loc, *op,
                                                  std::move(lhs),
                                                  std::move(rhs)));
  }
  return lhs;
}

ExprPtr Parser::parseAdditive() {
  ExprPtr lhs = parseMultiplicative();
  while (lhs && (at(Tok::Plus) || at(Tok::Minus))) {
    Token opTok = take();
    ExprPtr rhs = parseMultiplicative();
    if (!rhs)
      return nullptr;
    lhs = checkDepth(std::make_unique<BinaryExpr>(
        opTok.loc, opTok.kind == Tok::Plus ? BinOp::Add : BinOp::Sub,
        std::move(lhs), std::move(rhs)));
  }
  return lhs;
}

ExprPtr Parser::parseMultiplicative() {
  ExprPtr lhs = parseUnary();
  while (lhs && (at(Tok::Star) || at(Tok::Slash) || at(Tok::At))) {
    Token opTok = take();
    BinOp op = opTok.kind == Tok::Star    ? BinOp::Mul
               : opTok.kind == Tok::Slash ? BinOp::Div
                                          : BinOp::MatMul;
    ExprPtr rhs = parseUnary();
    if (!rhs)
      return nullptr;
    lhs = checkDepth(std::make_unique<BinaryExpr>(opTok.loc, op,
                                                  std::move(lhs),
                                                  std::move(rhs)));
  }
  return lhs;
}

ExprPtr Parser::parseUnary() {
  if (!at(Tok::Minus))
    return parsePostfix();
  Token minus = take();
  if (!enter(minus.loc))
    return nullptr;
  ExprPtr operand = parseUnary();
  --nesting;
  if (!operand)
    return nullptr;
  // A negative literal is a literal (`-2.5`), so it can take any dtype.
  if (auto *num = llvm::dyn_cast<NumberExpr>(operand.get())) {
    num->value = -num->value;
    num->intValue = -num->intValue;
    num->loc = minus.loc;
    return operand;
  }
  return checkDepth(
      std::make_unique<UnaryExpr>(minus.loc, std::move(operand)));
}

ExprPtr Parser::parsePostfix() {
  ExprPtr e = parsePrimary();
  if (!e || !at(Tok::LParen))
    return e;
  auto *name = llvm::dyn_cast<NameExpr>(e.get());
  if (!name)
    return fail(peek().loc, "only a name can be called");
  auto call = std::make_unique<CallExpr>(name->loc, name->name);
  return parseCallArgs(std::move(call));
}

ExprPtr Parser::parseCallArgs(std::unique_ptr<CallExpr> call) {
  if (!enter(take().loc)) // (
    return nullptr;
  llvm::StringSet<> seen;
  if (!at(Tok::RParen)) {
    for (;;) {
      if (at(Tok::Ident) && peek(1).kind == Tok::Assign) {
        Token key = take();
        take(); // =
        if (!seen.insert(key.text).second)
          return fail(key.loc, "duplicate keyword argument '" + key.text + "'");
        ExprPtr value = parseExpr();
        if (!value)
          return nullptr;
        call->kwargs.push_back(KeywordArg{key.text, key.loc, std::move(value)});
      } else {
        Location loc = peek().loc;
        ExprPtr value = parseExpr();
        if (!value)
          return nullptr;
        if (!call->kwargs.empty())
          return fail(loc, "positional argument after a keyword argument");
        call->args.push_back(std::move(value));
      }
      if (!at(Tok::Comma))
        break;
      take();
    }
  }
  if (!expect(Tok::RParen, "',' or ')' in the argument list"))
    return nullptr;
  --nesting;
  return checkDepth(std::move(call));
}

ExprPtr Parser::parsePrimary() {
  Token tok = take();
  switch (tok.kind) {
  case Tok::Int:
    return std::make_unique<NumberExpr>(tok.loc, tok.floatValue, true,
                                        tok.intValue);
  case Tok::Float:
    return std::make_unique<NumberExpr>(tok.loc, tok.floatValue, false, 0);
  case Tok::String:
    return std::make_unique<StringExpr>(tok.loc, tok.text);
  case Tok::KwTrue:
  case Tok::KwFalse:
    return std::make_unique<BoolExpr>(tok.loc, tok.kind == Tok::KwTrue);
  case Tok::Ident:
    return std::make_unique<NameExpr>(tok.loc, tok.text);
  case Tok::LParen: {
    if (!enter(tok.loc))
      return nullptr;
    ExprPtr inner = parseExpr();
    if (!inner || !expect(Tok::RParen, "')'"))
      return nullptr;
    --nesting;
    return inner;
  }
  case Tok::LBracket: {
    if (!enter(tok.loc))
      return nullptr;
    std::vector<ExprPtr> elements;
    if (!at(Tok::RBracket)) {
      for (;;) {
        ExprPtr e = parseExpr();
        if (!e)
          return nullptr;
        elements.push_back(std::move(e));
        if (!at(Tok::Comma))
          break;
        take();
      }
    }
    if (!expect(Tok::RBracket, "',' or ']' in the list"))
      return nullptr;
    --nesting;
    return checkDepth(std::make_unique<ListExpr>(tok.loc, std::move(elements)));
  }
  default:
    return failAt(tok, "an expression");
  }
}
