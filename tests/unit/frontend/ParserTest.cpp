// Unit tests of the .nn parser: statements, precedence, locations and errors.
#include "frontend/nn/Parser.h"

#include <gtest/gtest.h>

using namespace nnc::nnlang;
using llvm::cast;
using llvm::dyn_cast;

namespace {
/// Parses one expression and prints it fully parenthesized.
std::string show(const Expr &e);

std::string showList(const std::vector<ExprPtr> &xs) {
  std::string s;
  for (size_t i = 0; i < xs.size(); ++i)
    s += (i ? ", " : "") + show(*xs[i]);
  return s;
}

std::string show(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Number: {
    const auto &n = cast<NumberExpr>(e);
    return n.isInt ? std::to_string(n.intValue) : std::to_string(n.value);
  }
  case Expr::Kind::Bool:
    return cast<BoolExpr>(e).value ? "true" : "false";
  case Expr::Kind::String:
    return "\"" + cast<StringExpr>(e).value + "\"";
  case Expr::Kind::Name:
    return cast<NameExpr>(e).name;
  case Expr::Kind::List:
    return "[" + showList(cast<ListExpr>(e).elements) + "]";
  case Expr::Kind::Unary:
    return "(-" + show(*cast<UnaryExpr>(e).operand) + ")";
  case Expr::Kind::Binary: {
    const auto &b = cast<BinaryExpr>(e);
    return "(" + show(*b.lhs) + " " + binOpSpelling(b.op) + " " +
           show(*b.rhs) + ")";
  }
  case Expr::Kind::Call: {
    const auto &c = cast<CallExpr>(e);
    std::string s = c.callee + "(" + showList(c.args);
    for (const auto &k : c.kwargs)
      s += (s.back() == '(' ? "" : ", ") + k.name + "=" + show(*k.value);
    return s + ")";
  }
  }
  return "?";
}

std::string parseExpr(llvm::StringRef src) {
  Lexer lexer(src, "t.nn");
  Parser parser(lexer);
  ExprPtr e = parser.parseExpression();
  if (!e)
    return "error: " + parser.error().message;
  return show(*e);
}

std::unique_ptr<Module> parse(llvm::StringRef src, SyntaxError &err) {
  return parseSource(src, "t.nn", err);
}

std::string parseError(llvm::StringRef src, unsigned *line = nullptr,
                       unsigned *col = nullptr) {
  SyntaxError err;
  if (parse(src, err))
    return "";
  if (line)
    *line = err.loc.line;
  if (col)
    *col = err.loc.col;
  return err.message;
}
} // namespace

TEST(ParserExpr, MulBindsTighterThanAdd) {
  EXPECT_EQ(parseExpr("a + b * c"), "(a + (b * c))");
}

TEST(ParserExpr, MatmulBindsLikeMul) {
  EXPECT_EQ(parseExpr("x @ w + b"), "((x @ w) + b)");
  EXPECT_EQ(parseExpr("a * b @ c"), "((a * b) @ c)");
}

TEST(ParserExpr, AdditiveIsLeftAssociative) {
  EXPECT_EQ(parseExpr("a - b - c"), "((a - b) - c)");
}

TEST(ParserExpr, DivisionIsLeftAssociative) {
  EXPECT_EQ(parseExpr("a / b / c"), "((a / b) / c)");
}

TEST(ParserExpr, ComparisonIsLoosest) {
  EXPECT_EQ(parseExpr("a + 1 < b * 2"), "((a + 1) < (b * 2))");
}

TEST(ParserExpr, UnaryMinusBindsTighterThanMul) {
  EXPECT_EQ(parseExpr("-a * b"), "((-a) * b)");
}

TEST(ParserExpr, CallBindsTighterThanUnaryMinus) {
  EXPECT_EQ(parseExpr("-relu(x)"), "(-relu(x))");
}

TEST(ParserExpr, NegativeLiteralIsFolded) {
  EXPECT_EQ(parseExpr("x * -2"), "(x * -2)");
}

TEST(ParserExpr, ParenthesesOverridePrecedence) {
  EXPECT_EQ(parseExpr("(a + b) * c"), "((a + b) * c)");
}

TEST(ParserExpr, CallWithPositionalAndKeywordArguments) {
  EXPECT_EQ(parseExpr("sum(x, axis=[1, -1], keepdims=true)"),
            "sum(x, axis=[1, -1], keepdims=true)");
}

TEST(ParserExpr, NestedCallsAndStrings) {
  EXPECT_EQ(parseExpr("gelu(relu(x), approximate=\"tanh\")"),
            "gelu(relu(x), approximate=\"tanh\")");
}

TEST(ParserExpr, ChainedComparisonIsAnError) {
  EXPECT_EQ(parseExpr("a < b < c"),
            "error: comparisons cannot be chained; use parentheses");
}

TEST(ParserExpr, PositionalAfterKeywordIsAnError) {
  EXPECT_EQ(parseExpr("f(a=1, b)"),
            "error: positional argument after a keyword argument");
}

TEST(ParserExpr, DuplicateKeywordIsAnError) {
  EXPECT_EQ(parseExpr("f(x, a=1, a=2)"),
            "error: duplicate keyword argument 'a'");
}

TEST(ParserExpr, MissingOperandIsAnError) {
  EXPECT_EQ(parseExpr("a +"), "error: expected an expression, got end of line");
}

TEST(ParserExpr, UnclosedCallIsAnError) {
  EXPECT_EQ(parseExpr("f(a"),
            "error: expected ',' or ')' in the argument list, got end of line");
}

TEST(ParserExpr, CallingANonNameIsAnError) {
  EXPECT_EQ(parseExpr("[a](b)"), "error: only a name can be called");
}

TEST(ParserExpr, BinaryLocationIsTheOperator) {
  Lexer lexer("ab @ cd", "t.nn");
  Parser parser(lexer);
  ExprPtr e = parser.parseExpression();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->loc.col, 4u);
  EXPECT_EQ(cast<BinaryExpr>(*e).rhs->loc.col, 6u);
}

TEST(ParserModule, ParsesTheMnistExample) {
  const char *src = R"(# mnist
model mnist_mlp
input  x : f32[B, 784]
input  y : i32[B]
param  w1 : f32[784, 128] = glorot_uniform(seed=1)
param  b1 : f32[128]      = zeros
h      = relu(x @ w1 + b1)
loss   = cross_entropy(h, y)
output h
train loss with adam(lr=0.001)
)";
  SyntaxError err;
  auto m = parse(src, err);
  ASSERT_TRUE(m) << err.message;
  ASSERT_EQ(m->stmts.size(), 9u);
  EXPECT_EQ(cast<ModelStmt>(*m->stmts[0]).name, "mnist_mlp");
  const auto &x = cast<DeclStmt>(*m->stmts[1]);
  EXPECT_EQ(x.role, DeclStmt::Role::Input);
  EXPECT_EQ(x.type.dtype, "f32");
  ASSERT_EQ(x.type.dims.size(), 2u);
  EXPECT_EQ(x.type.dims[0].name, "B");
  EXPECT_EQ(*x.type.dims[1].size, 784);
  const auto &w1 = cast<DeclStmt>(*m->stmts[3]);
  EXPECT_EQ(w1.role, DeclStmt::Role::Param);
  EXPECT_EQ(show(*w1.init), "glorot_uniform(seed=1)");
  const auto &train = cast<TrainStmt>(*m->stmts[8]);
  EXPECT_EQ(train.loss, "loss");
  EXPECT_EQ(train.loc.line, 10u);
}

TEST(ParserModule, ScalarTypeHasNoDims) {
  SyntaxError err;
  auto m = parse("model m\ninput s : f32[]\n", err);
  ASSERT_TRUE(m) << err.message;
  EXPECT_TRUE(cast<DeclStmt>(*m->stmts[1]).type.dims.empty());
}

TEST(ParserModule, FnBlock) {
  SyntaxError err;
  auto m = parse("model m\nfn layer(x, w) {\n  h = x @ w; g = relu(h)\n"
                 "  return g + 1\n}\n",
                 err);
  ASSERT_TRUE(m) << err.message;
  const auto &fn = cast<FnStmt>(*m->stmts[1]);
  EXPECT_EQ(fn.name, "layer");
  ASSERT_EQ(fn.params.size(), 2u);
  EXPECT_EQ(fn.body.size(), 2u);
  EXPECT_EQ(show(*fn.result), "(g + 1)");
}

TEST(ParserModule, OutputList) {
  SyntaxError err;
  auto m = parse("model m\noutput a, b, c\n", err);
  ASSERT_TRUE(m) << err.message;
  EXPECT_EQ(cast<OutputStmt>(*m->stmts[1]).names.size(), 3u);
}

TEST(ParserModule, SemicolonsSeparateStatements) {
  SyntaxError err;
  auto m = parse("model m; a = 1; b = 2", err);
  ASSERT_TRUE(m) << err.message;
  EXPECT_EQ(m->stmts.size(), 3u);
}

TEST(ParserModule, EmptyFileIsAnError) {
  EXPECT_EQ(parseError("# nothing here\n\n"),
            "empty file: expected 'model NAME'");
}

TEST(ParserModule, ModelMustComeFirst) {
  unsigned line;
  EXPECT_EQ(parseError("\ninput x : f32[1]\nmodel m\n", &line),
            "expected 'model NAME' as the first statement, got 'input'");
  EXPECT_EQ(line, 2u);
}

TEST(ParserModule, DuplicateModelIsAnError) {
  EXPECT_EQ(parseError("model a\nmodel b\n"), "duplicate 'model' statement");
}

TEST(ParserModule, UnknownDtypeIsAnError) {
  unsigned col;
  EXPECT_EQ(parseError("model m\ninput x : f80[2]\n", nullptr, &col),
            "unknown dtype 'f80'; expected f64, f32, f16, bf16, i8, i16, i32, "
            "i64, u8, u16, u32, u64 or bool");
  EXPECT_EQ(col, 11u);
}

TEST(ParserModule, TypeWithoutBracketsIsAnError) {
  EXPECT_EQ(parseError("model m\ninput x : f32\n"),
            "expected '[' after the dtype (a scalar is f32[]), got end of line");
}

TEST(ParserModule, ParamWithoutInitIsAnError) {
  EXPECT_EQ(parseError("model m\nparam w : f32[2]\n"),
            "expected '= INIT' (a param needs an initializer such as zeros), "
            "got end of line");
}

TEST(ParserModule, InputWithInitIsAnError) {
  EXPECT_EQ(parseError("model m\ninput x : f32[2] = zeros\n"),
            "an input has no initializer");
}

TEST(ParserModule, FnWithoutReturnIsAnError) {
  unsigned line;
  EXPECT_EQ(parseError("model m\nfn f(x) {\n  y = x\n}\n", &line),
            "fn 'f' has no 'return'");
  EXPECT_EQ(line, 4u);
}

TEST(ParserModule, ReturnOutsideFnIsAnError) {
  EXPECT_EQ(parseError("model m\nreturn x\n"),
            "'return' outside of a fn block");
}

TEST(ParserModule, TrainWithoutWithIsAnError) {
  EXPECT_EQ(parseError("model m\ntrain loss adam(lr=1)\n"),
            "expected 'with' and an optimizer, got identifier 'adam'");
}

TEST(ParserModule, AssignmentWithoutEqualsIsAnError) {
  unsigned col;
  EXPECT_EQ(parseError("model m\nh relu(x)\n", nullptr, &col),
            "expected '=' after 'h', got identifier 'relu'");
  EXPECT_EQ(col, 3u);
}

TEST(ParserModule, TrailingTokensAreAnError) {
  EXPECT_EQ(parseError("model m\nh = x y\n"),
            "expected end of statement, got identifier 'y'");
}

TEST(ParserModule, LexerErrorsSurfaceWithTheirLocation) {
  unsigned line, col;
  EXPECT_EQ(parseError("model m\nh = x ? y\n", &line, &col),
            "unexpected character '?'");
  EXPECT_EQ(line, 2u);
  EXPECT_EQ(col, 7u);
}

TEST(ParserModule, DuplicateFnParameterIsAnError) {
  EXPECT_EQ(parseError("model m\nfn f(a, a) { return a }\n"),
            "duplicate parameter 'a'");
}

TEST(ParserExpr, DeepParenthesesAreAnError) {
  std::string src = std::string(300, '(') + "x" + std::string(300, ')');
  EXPECT_EQ(parseExpr(src),
            "error: expression is nested too deeply (more than 256 levels)");
}

TEST(ParserExpr, LongFlatChainIsFine) {
  std::string src = "x";
  for (int i = 0; i < 500; ++i)
    src += " + x";
  EXPECT_EQ(parseExpr(src).rfind("error", 0), std::string::npos);
}

TEST(ParserExpr, OverlyTallTreeIsAnError) {
  std::string src = "x";
  for (int i = 0; i < 1100; ++i)
    src += " * x";
  EXPECT_EQ(parseExpr(src),
            "error: expression is nested too deeply (more than 1024 levels)");
}
