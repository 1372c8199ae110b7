// The graph-format parser: the documented example and every malformed form.
#include "reference/Graph.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace nnc::ref;

namespace {

const char *kExample = R"(nngraph 1
model mnist_mlp
input x f32[B,784]
input y i32[B]
param w1 f32[784,128] glorot_uniform(seed=1)
param b1 f32[128] zeros
state running_mean f32[16] zeros
train loss adam lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 weight_decay=0
func forward
  %0 = matmul %x %w1 : f32[?,128]
  %1 = add %0 %b1 : f32[?,128]
  %2 = relu %1 : f32[?,128]
  %3 = constant value=[0.5] : f32[]
  %4 = mul %2 %3 : f32[?,128]
  %5 = sum %4 axes=[1] keepdims=false : f32[?]
  return logits=%5
end
)";

TEST(GraphParser, ParsesTheDocumentedExample) {
  Graph g;
  Status s = parseGraph(kExample, g);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(g.model, "mnist_mlp");
  ASSERT_EQ(g.decls.size(), 5u);
  EXPECT_EQ(g.decls[0].type.str(), "f32[B,784]");
  EXPECT_EQ(g.decls[0].type.dims[0].name, "B");
  EXPECT_EQ(g.decls[2].init.kind, Init::Kind::GlorotUniform);
  EXPECT_EQ(g.decls[2].init.seed, 1u);
  EXPECT_EQ(g.decls[4].kind, Decl::Kind::State);
  EXPECT_TRUE(g.train.present);
  EXPECT_EQ(g.train.optimizer, "adam");
  ASSERT_EQ(g.train.hyper.size(), 5u);
  EXPECT_DOUBLE_EQ(g.train.hyper[3].second, 1e-8);
  const Func *f = g.func("forward");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->ops.size(), 6u);
  EXPECT_EQ(f->ops[0].name, "matmul");
  EXPECT_EQ(f->ops[0].operands, (std::vector<std::string>{"x", "w1"}));
  EXPECT_EQ(f->ops[0].type.str(), "f32[?,128]");
  EXPECT_EQ(f->ops[0].line, 10);
  const Attr *axes = f->ops[5].attr("axes");
  ASSERT_NE(axes, nullptr);
  ASSERT_EQ(axes->kind, Attr::Kind::List);
  EXPECT_EQ(axes->list[0].i, 1);
  EXPECT_EQ(f->ops[5].attr("keepdims")->kind, Attr::Kind::Bool);
  ASSERT_EQ(f->returns.size(), 1u);
  EXPECT_EQ(f->returns[0].first, "logits");
  EXPECT_EQ(f->returns[0].second, "5");
}

TEST(GraphParser, ParsesAttributeKinds) {
  Graph g;
  Status s = parseGraph(
      "nngraph 1\nmodel m\ninput x f32[2]\nfunc forward\n"
      "  %a = gelu %x approximate=\"ta\\\"nh\" eps=1e-05 big=-inf n=nan k=-3 "
      "d=f16 l=[1.5,-2,true] e=[] : f32[2]  # trailing comment\n"
      "  return y=%a, z=%x\nend\n",
      g);
  ASSERT_TRUE(s.ok()) << s.message();
  const Op &op = g.funcs[0].ops[0];
  EXPECT_EQ(op.attr("approximate")->s, "ta\"nh");
  EXPECT_DOUBLE_EQ(op.attr("eps")->f, 1e-5);
  EXPECT_TRUE(std::isinf(op.attr("big")->f) && op.attr("big")->f < 0);
  EXPECT_TRUE(std::isnan(op.attr("n")->f));
  EXPECT_EQ(op.attr("k")->i, -3);
  EXPECT_EQ(op.attr("d")->kind, Attr::Kind::Ident);
  ASSERT_EQ(op.attr("l")->list.size(), 3u);
  EXPECT_EQ(op.attr("l")->list[2].kind, Attr::Kind::Bool);
  EXPECT_TRUE(op.attr("e")->list.empty());
  ASSERT_EQ(g.funcs[0].returns.size(), 2u);
  EXPECT_EQ(g.funcs[0].returns[1].first, "z");
}

TEST(GraphParser, ParsesEveryInitializer) {
  Graph g;
  Status s = parseGraph("nngraph 1\nmodel m\n"
                        "param a f32[2] const(value=2.5)\n"
                        "param b f32[2] uniform(lo=-1,hi=3,seed=7)\n"
                        "param c f32[2] normal(mean=1,std=0.5,seed=18446744073709551615)\n"
                        "param d f32[2,2] he_normal(seed=2)\n"
                        "param e i32[1] data(0a0B0000)\n"
                        "param f f32[1] ones\n",
                        g);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(g.decls[0].init.kind, Init::Kind::Const);
  EXPECT_DOUBLE_EQ(g.decls[0].init.value, 2.5);
  EXPECT_DOUBLE_EQ(g.decls[1].init.a, -1);
  EXPECT_DOUBLE_EQ(g.decls[1].init.b, 3);
  EXPECT_EQ(g.decls[1].init.seed, 7u);
  EXPECT_EQ(g.decls[2].init.seed, 0xffffffffffffffffull);
  EXPECT_EQ(g.decls[3].init.kind, Init::Kind::HeNormal);
  EXPECT_EQ(g.decls[4].init.data, (std::vector<uint8_t>{10, 11, 0, 0}));
  EXPECT_EQ(g.decls[5].init.kind, Init::Kind::Ones);
}

struct BadGraph {
  const char *name;
  const char *text;
  const char *message; // a substring of the expected error
};

void PrintTo(const BadGraph &b, std::ostream *os) { *os << b.name; }

class GraphParserErrors : public ::testing::TestWithParam<BadGraph> {};

TEST_P(GraphParserErrors, ReportsALocatedError) {
  Graph g;
  Status s = parseGraph(GetParam().text, g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(GetParam().message), std::string::npos)
      << "got: " << s.message();
  EXPECT_EQ(s.message().rfind("graph:", 0), 0u) << s.message();
}

const BadGraph kBadGraphs[] = {
    {"Empty", "", "graph:1: error: empty graph"},
    {"NotAGraph", "hello world\n", "graph:1: error: expected 'nngraph 1'"},
    {"WrongVersion", "nngraph 2\nmodel m\n", "unsupported graph format version 2"},
    {"BadVersion", "nngraph x\n", "bad version"},
    {"MissingModel", "nngraph 1\ninput x f32[2]\n", "missing 'model NAME'"},
    {"ModelTwice", "nngraph 1\nmodel a\nmodel b\n", "graph:3: error: 'model' given twice"},
    {"UnknownStatement", "nngraph 1\nmodel m\nfoo bar\n", "graph:3: error: unknown statement 'foo'"},
    {"BadDType", "nngraph 1\nmodel m\ninput x f8[2]\n", "graph:3: error: unknown dtype 'f8'"},
    {"BadType", "nngraph 1\nmodel m\ninput x f32\n", "expected a type"},
    {"BadDim", "nngraph 1\nmodel m\ninput x f32[2,-3]\n", "bad dimension '-3'"},
    {"QuestionInDecl", "nngraph 1\nmodel m\ninput x f32[?]\n", "not '?'"},
    {"DuplicateDecl", "nngraph 1\nmodel m\ninput x f32[2]\ninput x f32[2]\n", "graph:4: error: 'x' is declared twice"},
    {"ParamWithoutInit", "nngraph 1\nmodel m\nparam w f32[2]\n", "expected 'param NAME TYPE INIT'"},
    {"UnknownInit", "nngraph 1\nmodel m\nparam w f32[2] xavier\n", "unknown initializer 'xavier'"},
    {"InitMissingArg", "nngraph 1\nmodel m\nparam w f32[2] uniform(lo=0,seed=1)\n", "missing hi="},
    {"InitBadHex", "nngraph 1\nmodel m\nparam w f32[1] data(zz000000)\n", "bad hex digit"},
    {"InitOddHex", "nngraph 1\nmodel m\nparam w f32[1] data(abc)\n", "even number"},
    {"TrainTwice", "nngraph 1\nmodel m\ntrain l sgd lr=1\ntrain l sgd lr=1\n", "'train' given twice"},
    {"TrainBadHyper", "nngraph 1\nmodel m\ntrain l sgd lr\n", "expected KEY=NUMBER"},
    {"FuncWithoutEnd", "nngraph 1\nmodel m\ninput x f32[2]\nfunc forward\n  return y=%x\n", "missing 'end'"},
    {"FuncWithoutReturn", "nngraph 1\nmodel m\nfunc forward\nend\n", "graph:4: error: func 'forward' has no return"},
    {"OpAfterReturn", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  return y=%x\n  %0 = relu %x : f32[2]\nend\n", "graph:6: error: expected 'end' after return"},
    {"UndefinedOperand", "nngraph 1\nmodel m\nfunc f\n  %0 = relu %nope : f32[2]\n  return y=%0\nend\n", "graph:4: error: use of undefined value %nope"},
    {"Redefinition", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  %0 = relu %x : f32[2]\n  %0 = relu %x : f32[2]\n  return y=%0\nend\n", "graph:6: error: value %0 is defined twice"},
    {"MissingType", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  %0 = relu %x\n  return y=%0\nend\n", "graph:5: error:"},
    {"NoColon", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  %0 = relu %x f32[2] f32[2]\n  return y=%0\nend\n", "expected ': TYPE'"},
    {"NamedDimInOp", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  %0 = relu %x : f32[B]\n  return y=%0\nend\n", "only allowed in declarations"},
    {"BadAttr", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  %0 = relu %x axis=[1,,2] : f32[2]\n  return y=%0\nend\n", "graph:5: error:"},
    {"DuplicateAttr", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  %0 = relu %x a=1 a=2 : f32[2]\n  return y=%0\nend\n", "duplicate attribute 'a'"},
    {"OperandAfterAttr", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  %0 = add %x a=1 %x : f32[2]\n  return y=%0\nend\n", "after attributes"},
    {"UnterminatedString", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  %0 = gelu %x approximate=\"tanh : f32[2]\n  return y=%0\nend\n", "graph:5: error: unterminated string"},
    {"ReturnWithoutComma", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  return y=%x z=%x\nend\n", "expected ', '"},
    {"ReturnBadForm", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  return y\nend\n", "expected NAME=%VALUE"},
    {"ReturnUndefined", "nngraph 1\nmodel m\nfunc f\n  return y=%q\nend\n", "return of undefined value %q"},
    {"ReturnTwice", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  return y=%x, y=%x\nend\n", "returned twice"},
    {"EndOutsideFunc", "nngraph 1\nmodel m\nend\n", "'end' outside a func"},
    {"FuncTwice", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  return y=%x\nend\nfunc f\n", "graph:7: error: func 'f' defined twice"},
    {"DeclAfterFunc", "nngraph 1\nmodel m\ninput x f32[2]\nfunc f\n  return y=%x\nend\ninput z f32[2]\n", "before the funcs"},
    {"SecondVersionLine", "nngraph 1\nnngraph 1\n", "only appear on the first line"},
};

INSTANTIATE_TEST_SUITE_P(Malformed, GraphParserErrors, ::testing::ValuesIn(kBadGraphs),
                         [](const ::testing::TestParamInfo<BadGraph> &info) {
                           return std::string(info.param.name);
                         });

TEST(GraphParser, NamesTheFileInErrors) {
  Graph g;
  Status s = parseGraphFile("/nonexistent/model.graph", g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot open graph file"), std::string::npos);
}

TEST(GraphParser, SurvivesArbitraryBytes) {
  // Every prefix of a valid file and a few byte flips: errors, never crashes.
  std::string text = kExample;
  for (size_t n = 0; n < text.size(); n += 7) {
    Graph g;
    (void)parseGraph(text.substr(0, n), g);
  }
  for (size_t i = 0; i < text.size(); i += 5) {
    std::string t = text;
    t[i] = static_cast<char>(t[i] ^ 0x5a);
    Graph g;
    (void)parseGraph(t, g);
  }
  SUCCEED();
}

} // namespace
