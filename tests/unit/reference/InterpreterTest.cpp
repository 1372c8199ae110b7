// Interpreter binding and error paths: every user mistake is a message.
#include "reference/Init.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace nnc::ref;

namespace {

Tensor filled(DType d, Shape shape, double v = 1) {
  Tensor t(d, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i)
    t.setDouble(i, v);
  return t;
}

// Runs `body` (op lines) over inputs declared by `decls`; returns the status.
Status run(const std::string &decls, const std::string &body,
           const TensorMap &inputs, NamedTensors *outputs = nullptr) {
  Graph g;
  Status s = parseGraph("nngraph 1\nmodel m\n" + decls + "func forward\n" + body +
                            "end\n",
                        g);
  if (!s.ok())
    return s;
  TensorMap params;
  if (!(s = initParams(g, params)).ok())
    return s;
  NamedTensors outs;
  return runFunc(g, "forward", inputs, params, outputs ? *outputs : outs);
}

void expectError(const Status &s, const std::string &what) {
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(what), std::string::npos) << "got: " << s.message();
}

const char *kXY = "input x f32[B,4]\ninput y i32[B]\n";
const char *kXYBody = "  %0 = cross_entropy %x %y : f32[]\n  return l=%0\n";

TEST(InterpreterBinding, MissingInputIsNamed) {
  expectError(run(kXY, kXYBody, {{"x", filled(DType::F32, {3, 4})}}),
              "missing input 'y' (i32[B])");
}

TEST(InterpreterBinding, DimNamesMustAgreeAcrossInputs) {
  expectError(run(kXY, kXYBody,
                  {{"x", filled(DType::F32, {4, 4})}, {"y", filled(DType::I32, {3}, 0)}}),
              "input y: dim B is 3 but input x says 4");
}

TEST(InterpreterBinding, WrongDTypeIsNamed) {
  expectError(run(kXY, kXYBody,
                  {{"x", filled(DType::F16, {3, 4})}, {"y", filled(DType::I32, {3}, 0)}}),
              "input x: expected dtype f32");
}

TEST(InterpreterBinding, WrongRankIsNamed) {
  expectError(run(kXY, kXYBody,
                  {{"x", filled(DType::F32, {3, 4, 1})}, {"y", filled(DType::I32, {3}, 0)}}),
              "input x: expected rank 2");
}

TEST(InterpreterBinding, StaticDimMismatchIsNamed) {
  expectError(run(kXY, kXYBody,
                  {{"x", filled(DType::F32, {3, 5})}, {"y", filled(DType::I32, {3}, 0)}}),
              "input x: dim 1 is 5 but f32[B,4] says 4");
}

TEST(InterpreterBinding, UnknownInputIsAnError) {
  expectError(run(kXY, kXYBody,
                  {{"x", filled(DType::F32, {3, 4})}, {"y", filled(DType::I32, {3}, 0)},
                   {"z", filled(DType::F32, {1})}}),
              "'z' is not an input");
}

TEST(InterpreterBinding, UnknownEntryListsEntries) {
  Graph g;
  ASSERT_TRUE(parseGraph("nngraph 1\nmodel m\ninput x f32[1]\nfunc forward\n  return y=%x\nend\n", g).ok());
  NamedTensors out;
  expectError(runFunc(g, "train_step", {{"x", filled(DType::F32, {1})}}, {}, out),
              "has no entry 'train_step' (entries: forward)");
}

TEST(InterpreterBinding, ParamsAreCheckedAndUsed) {
  Graph g;
  ASSERT_TRUE(parseGraph("nngraph 1\nmodel m\ninput x f32[2]\nparam w f32[2] const(value=3)\n"
                         "func forward\n  %0 = mul %x %w : f32[2]\n  return y=%0\nend\n",
                         g).ok());
  TensorMap params;
  ASSERT_TRUE(initParams(g, params).ok());
  NamedTensors out;
  Status s = runFunc(g, "forward", {{"x", filled(DType::F32, {2}, 2)}}, params, out);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(out[0].second.getDouble(1), 6.0);
  expectError(runFunc(g, "forward", {{"x", filled(DType::F32, {2})}}, {}, out),
              "missing param 'w'");
  expectError(runFunc(g, "forward", {{"x", filled(DType::F32, {2})}},
                      {{"w", filled(DType::F32, {3})}}, out),
              "param w: expected f32[2], got f32[3]");
}

TEST(InterpreterErrors, GatherIndexOutOfRangeNamesTheOp) {
  Tensor idx = filled(DType::I32, {2}, 7);
  expectError(run("input x f32[5,2]\ninput i i32[2]\n",
                  "  %g = gather %x %i axis=0 : f32[2,2]\n  return y=%g\n",
                  {{"x", filled(DType::F32, {5, 2})}, {"i", idx}}),
              "%g = gather (graph line 6): index 7 (element 0) is out of range");
}

TEST(InterpreterErrors, EmbeddingRejectsNegativeIds) {
  expectError(run("input t f32[5,2]\ninput i i64[1]\n",
                  "  %0 = embedding %t %i : f32[1,2]\n  return y=%0\n",
                  {{"t", filled(DType::F32, {5, 2})}, {"i", filled(DType::I64, {1}, -1)}}),
              "out of range");
}

TEST(InterpreterErrors, ReshapeThatDoesNotFit) {
  expectError(run("input x f32[2,3]\n", "  %0 = reshape %x shape=[4,-1] : f32[4,?]\n  return y=%0\n",
                  {{"x", filled(DType::F32, {2, 3})}}),
              "%0 = reshape (graph line 5): cannot reshape f32[2,3] (6 elements) into [4,-1]");
  expectError(run("input x f32[2,3]\n", "  %0 = reshape %x shape=[-1,-1] : f32[?,?]\n  return y=%0\n",
                  {{"x", filled(DType::F32, {2, 3})}}),
              "more than one -1");
}

TEST(InterpreterErrors, CrossEntropyBadLabel) {
  expectError(run(kXY, kXYBody,
                  {{"x", filled(DType::F32, {2, 4})}, {"y", filled(DType::I32, {2}, 4)}}),
              "%0 = cross_entropy (graph line 6): label 4 at batch 0 is out of range [0, 4)");
}

TEST(InterpreterErrors, IntegerDivisionByZero) {
  expectError(run("input a i32[2]\ninput b i32[2]\n", "  %0 = div %a %b : i32[2]\n  return y=%0\n",
                  {{"a", filled(DType::I32, {2}, 1)}, {"b", filled(DType::I32, {2}, 0)}}),
              "integer division by zero");
}

TEST(InterpreterErrors, MixedDTypes) {
  expectError(run("input a f32[2]\ninput b f16[2]\n", "  %0 = add %a %b : f32[2]\n  return y=%0\n",
                  {{"a", filled(DType::F32, {2})}, {"b", filled(DType::F16, {2})}}),
              "operands must have the same dtype");
}

TEST(InterpreterErrors, RuntimeBroadcastMismatch) {
  expectError(run("input a f32[A]\ninput b f32[B]\n", "  %0 = add %a %b : f32[?]\n  return y=%0\n",
                  {{"a", filled(DType::F32, {3})}, {"b", filled(DType::F32, {4})}}),
              "do not broadcast");
}

TEST(InterpreterErrors, DeclaredResultTypeIsChecked) {
  expectError(run("input a f32[2]\n", "  %0 = relu %a : f32[3]\n  return y=%0\n",
                  {{"a", filled(DType::F32, {2})}}),
              "computed f32[2] but the declared result type is f32[3]");
}

TEST(InterpreterErrors, UnknownOp) {
  expectError(run("input a f32[2]\n", "  %0 = frobnicate %a : f32[2]\n  return y=%0\n",
                  {{"a", filled(DType::F32, {2})}}),
              "unknown op 'frobnicate'");
}

TEST(InterpreterErrors, FloatOnlyOpsRejectIntegers) {
  expectError(run("input a i32[2]\n", "  %0 = exp %a : i32[2]\n  return y=%0\n",
                  {{"a", filled(DType::I32, {2})}}),
              "must be a float tensor");
  expectError(run("input a i32[2,2]\n", "  %0 = mean %a : i32[]\n  return y=%0\n",
                  {{"a", filled(DType::I32, {2, 2})}}),
              "mean must be a float tensor");
}

TEST(InterpreterErrors, BadAttributes) {
  expectError(run("input a f32[2]\n", "  %0 = softmax %a : f32[2]\n  return y=%0\n",
                  {{"a", filled(DType::F32, {2})}}),
              "missing attribute 'axis'");
  expectError(run("input a f32[2]\n", "  %0 = softmax %a axis=3 : f32[2]\n  return y=%0\n",
                  {{"a", filled(DType::F32, {2})}}),
              "axis 3 is out of range");
  expectError(run("input a f32[2]\n", "  %0 = transpose %a perm=[1] : f32[2]\n  return y=%0\n",
                  {{"a", filled(DType::F32, {2})}}),
              "not a permutation");
  expectError(run("input a f32[2]\n", "  %0 = gelu %a approximate=\"erf\" : f32[2]\n  return y=%0\n",
                  {{"a", filled(DType::F32, {2})}}),
              "approximate must be");
  expectError(run("input a f32[2]\ninput b f32[2]\n",
                  "  %0 = compare %a %b predicate=\"lte\" : bool[2]\n  return y=%0\n",
                  {{"a", filled(DType::F32, {2})}, {"b", filled(DType::F32, {2})}}),
              "unknown predicate 'lte'");
}

TEST(InterpreterErrors, ConvChannelMismatchAndTinyInput) {
  expectError(run("input x f32[1,3,4,4]\ninput w f32[2,2,3,3]\n",
                  "  %0 = conv2d %x %w : f32[1,2,2,2]\n  return y=%0\n",
                  {{"x", filled(DType::F32, {1, 3, 4, 4})}, {"w", filled(DType::F32, {2, 2, 3, 3})}}),
              "channels do not match");
  expectError(run("input x f32[1,1,2,2]\n",
                  "  %0 = max_pool2d %x kernel=[3,3] : f32[1,1,1,1]\n  return y=%0\n",
                  {{"x", filled(DType::F32, {1, 1, 2, 2})}}),
              "larger than the padded input");
}

TEST(InterpreterErrors, MatmulContractionMismatch) {
  expectError(run("input a f32[2,3]\ninput b f32[4,2]\n", "  %0 = matmul %a %b : f32[2,2]\n  return y=%0\n",
                  {{"a", filled(DType::F32, {2, 3})}, {"b", filled(DType::F32, {4, 2})}}),
              "contraction dims differ");
}

TEST(InterpreterErrors, ConstantElementCount) {
  expectError(run("input a f32[3]\n", "  %0 = constant value=[1,2] : f32[3]\n  return y=%0\n",
                  {{"a", filled(DType::F32, {3})}}),
              "value has 2 elements");
}

TEST(Interpreter, OutputsComeInReturnOrderAndFullReductionIs0D) {
  NamedTensors outs;
  Status s = run("input a f32[2,2]\n",
                 "  %0 = sum %a keepdims=false : f32[]\n  %1 = neg %a : f32[2,2]\n"
                 "  return z=%1, s=%0, a=%a\n",
                 {{"a", filled(DType::F32, {2, 2}, 1.5)}}, &outs);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[0].first, "z");
  EXPECT_EQ(outs[1].second.typeString(), "f32[]");
  EXPECT_EQ(outs[1].second.getDouble(0), 6.0);
  EXPECT_EQ(outs[2].second.getDouble(3), 1.5);
}

TEST(Interpreter, F16ResultsAreRoundedAfterEachOp) {
  // 2049 is not an f16 value: (1024 + 1024) + 1 rounds to 2048 in f16.
  NamedTensors outs;
  Status s = run("input a f16[1]\n",
                 "  %0 = add %a %a : f16[1]\n  %1 = constant value=[1] : f16[1]\n"
                 "  %2 = add %0 %1 : f16[1]\n  return y=%2\n",
                 {{"a", filled(DType::F16, {1}, 1024)}}, &outs);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(outs[0].second.getDouble(0), 2048.0);
}

TEST(Interpreter, CompareAcceptsThePrintedEnumForm) {
  NamedTensors outs;
  Status s = run("input a f32[2]\n",
                 "  %0 = compare %a %a predicate=\"#nn<predicate le>\" : bool[2]\n  return y=%0\n",
                 {{"a", filled(DType::F32, {2})}}, &outs);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(outs[0].second.getInt(0), 1);
}

TEST(Interpreter, KnowsEveryOpOfTheTable) {
  for (const char *op :
       {"constant", "add", "sub", "mul", "div", "maximum", "minimum", "pow", "compare",
        "neg", "abs", "exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "relu", "silu",
        "gelu", "where", "cast", "sum", "mean", "max", "min", "argmax", "softmax",
        "log_softmax", "layer_norm", "rms_norm", "batch_norm", "matmul", "conv2d",
        "max_pool2d", "avg_pool2d", "global_avg_pool", "reshape", "transpose", "flatten",
        "concat", "slice", "broadcast_to", "gather", "embedding", "cross_entropy", "mse",
        "dropout", "scatter_add"})
    EXPECT_TRUE(isKnownOp(op)) << op;
}

TEST(Interpreter, ScatterAddRejectsAnOutOfRangeIndex) {
  expectError(
      run("input x f32[3,2]\ninput i i32[2]\ninput u f32[2,2]\n",
          "  %0 = scatter_add %x %i %u axis=0 : f32[3,2]\n  return y=%0\n",
          {{"x", filled(DType::F32, {3, 2})},
           {"i", filled(DType::I32, {2}, 3)},
           {"u", filled(DType::F32, {2, 2})}}),
      "index 3 (element 0) is out of range for a dim of 3");
}

TEST(Interpreter, ScatterAddChecksTheUpdatesShape) {
  expectError(
      run("input x f32[3,2]\ninput i i32[2]\ninput u f32[2,3]\n",
          "  %0 = scatter_add %x %i %u axis=0 : f32[3,2]\n  return y=%0\n",
          {{"x", filled(DType::F32, {3, 2})},
           {"i", filled(DType::I32, {2}, 0)},
           {"u", filled(DType::F32, {2, 3})}}),
      "updates must be f32[2,2], got f32[2,3]");
}

TEST(Interpreter, DropoutStepMustBeACount) {
  for (double bad : {-1.0, std::nan("")})
    expectError(run("input x f32[4]\ninput s f32[]\n",
                    "  %0 = dropout %x %s p=0.5 seed=1 training=true : f32[4]\n"
                    "  return y=%0\n",
                    {{"x", filled(DType::F32, {4})},
                     {"s", filled(DType::F32, {}, bad)}}),
                "step must be a count in [0, 2^32)");
}

TEST(Interpreter, DropoutTrainingKeepsAboutOneMinusP) {
  NamedTensors outs;
  Status s = run("input x f32[10000]\n",
                 "  %0 = dropout %x p=0.25 seed=9 training=true : f32[10000]\n"
                 "  return y=%0\n",
                 {{"x", filled(DType::F32, {10000}, 3)}}, &outs);
  ASSERT_TRUE(s.ok()) << s.message();
  int kept = 0;
  for (int64_t i = 0; i < 10000; ++i) {
    double v = outs[0].second.getDouble(i);
    ASSERT_TRUE(v == 0 || v == 4) << v; // 3 / (1 - 0.25)
    kept += v != 0;
  }
  EXPECT_NEAR(kept, 7500, 200);
}

} // namespace

namespace {

// u64 values past INT64_MAX: division, comparison, maximum and max use the
// unsigned order; i8 arithmetic wraps.
TEST(InterpreterDTypes, UnsignedOpsUseTheUnsignedOrder) {
  Tensor a(DType::U64, {2}), b(DType::U64, {2});
  a.setInt(0, -2); // 2^64 - 2
  a.setInt(1, 6);
  b.setInt(0, 2);
  b.setInt(1, -1); // 2^64 - 1
  NamedTensors outs;
  Status s = run("input a u64[2]\ninput b u64[2]\n",
                 "  %0 = div %a %b : u64[2]\n"
                 "  %1 = compare %a %b predicate=\"lt\" : bool[2]\n"
                 "  %2 = maximum %a %b : u64[2]\n"
                 "  %3 = max %a axes=[0] keepdims=false : u64[]\n"
                 "  %4 = argmax %a axis=0 : i64[]\n"
                 "  return q=%0, lt=%1, mx=%2, r=%3, am=%4\n",
                 {{"a", a}, {"b", b}}, &outs);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(outs.size(), 5u);
  EXPECT_EQ(outs[0].second.getDouble(0), 9223372036854775807.0); // (2^64-2)/2
  EXPECT_EQ(outs[0].second.getInt(1), 0);
  EXPECT_EQ(outs[1].second.getInt(0), 0);
  EXPECT_EQ(outs[1].second.getInt(1), 1);
  EXPECT_EQ(outs[2].second.getInt(0), -2);
  EXPECT_EQ(outs[2].second.getInt(1), -1);
  EXPECT_EQ(outs[3].second.getInt(0), -2);
  EXPECT_EQ(outs[4].second.getInt(0), 0);
}

TEST(InterpreterDTypes, CastsBetweenTheAddedDTypes) {
  Tensor x(DType::F64, {3});
  x.setDouble(0, -1.5);
  x.setDouble(1, 300.25);
  x.setDouble(2, 0.1);
  NamedTensors outs;
  Status s = run("input x f64[3]\n",
                 "  %0 = cast %x dtype=u8 : u8[3]\n"
                 "  %1 = cast %x dtype=i8 : i8[3]\n"
                 "  %2 = cast %1 dtype=u16 : u16[3]\n"
                 "  %3 = cast %x dtype=f32 : f32[3]\n"
                 "  return a=%0, b=%1, c=%2, d=%3\n",
                 {{"x", x}}, &outs);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(outs[0].second.getInt(0), 0);   // saturates below
  EXPECT_EQ(outs[0].second.getInt(1), 255); // and above
  EXPECT_EQ(outs[1].second.getInt(0), -1);  // truncates toward zero
  EXPECT_EQ(outs[1].second.getInt(1), 127);
  EXPECT_EQ(outs[2].second.getInt(0), 65535); // i8 -1 wraps to u16
  EXPECT_EQ(outs[3].second.getDouble(2), double(0.1f));
}

} // namespace
