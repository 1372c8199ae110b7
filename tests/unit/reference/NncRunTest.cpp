// nnc-run end to end: runs the built binary on small graph files.
#include "reference/Npy.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace nnc::ref;

namespace {

std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "nnc-run-test-" + std::to_string(getpid()) + "-" + name;
}

const char *kModel = R"(nngraph 1
model tiny
input x f32[B,3]
input y i64[B]
param w f32[3,2] glorot_uniform(seed=1)
param b f32[2] const(value=0.5)
func forward
  %0 = matmul %x %w : f32[?,2]
  %1 = add %0 %b : f32[?,2]
  %2 = sum %1 keepdims=false : f32[]
  %3 = cross_entropy %1 %y : f32[]
  return logits=%1, total=%2, loss=%3
end
)";

struct Result {
  int code;
  std::string out, err;
};

Result runNncRun(const std::string &args) {
  std::string graph = tempPath("tiny.graph");
  std::ofstream(graph) << kModel;
  std::string out = tempPath("stdout"), err = tempPath("stderr");
  std::string cmd = std::string(NNC_RUN_PATH) + " " + args + " >" + out + " 2>" + err;
  // Graph path placeholder: GRAPH.
  size_t at = cmd.find("GRAPH");
  if (at != std::string::npos)
    cmd.replace(at, 5, graph);
  int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream so, se;
  so << std::ifstream(out).rdbuf();
  se << std::ifstream(err).rdbuf();
  r.out = so.str();
  r.err = se.str();
  std::remove(out.c_str());
  std::remove(err.c_str());
  std::remove(graph.c_str());
  return r;
}

TEST(NncRun, HelpExitsZero) {
  Result r = runNncRun("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("usage: nnc-run MODEL"), std::string::npos);
  EXPECT_NE(r.out.find("--random-inputs"), std::string::npos);
}

TEST(NncRun, RandomInputsPrintASummary) {
  Result r = runNncRun("GRAPH --random-inputs --dim B=2 --seed 3");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("logits: f32[2,2] = ["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("total: f32[] = "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("loss: f32[] = "), std::string::npos) << r.out;
  EXPECT_EQ(runNncRun("GRAPH --random-inputs --dim B=2 --seed 3").out, r.out);
}

TEST(NncRun, ReadsInputsAndWritesOutputs) {
  Tensor x(DType::F32, {4, 3}), y(DType::I64, {4});
  for (int i = 0; i < 12; ++i)
    x.setDouble(i, i * 0.1);
  std::string xp = tempPath("x.npy"), yp = tempPath("y.npy"), op = tempPath("total.npy"),
              lp = tempPath("logits.npy"), pp = tempPath("params.npz");
  ASSERT_TRUE(writeNpy(xp, x).ok());
  ASSERT_TRUE(writeNpy(yp, y).ok());
  Result r = runNncRun("GRAPH --device reference --input x=" + xp + " --input y=" + yp +
                       " --output total=" + op + " --output logits=" + lp +
                       " --save-params " + pp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  Tensor total, logits;
  ASSERT_TRUE(readNpy(op, total).ok());
  ASSERT_TRUE(readNpy(lp, logits).ok());
  EXPECT_EQ(total.typeString(), "f32[]");
  EXPECT_EQ(logits.typeString(), "f32[4,2]");
  double sum = 0;
  for (int i = 0; i < 8; ++i)
    sum += logits.getDouble(i);
  EXPECT_NEAR(total.getDouble(0), sum, 1e-5);
  NamedTensors params;
  ASSERT_TRUE(readNpz(pp, params).ok());
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[1].first, "b");
  EXPECT_EQ(params[1].second.getDouble(1), 0.5);
  // Loading the saved params with b changed changes the result.
  params[1].second.setDouble(0, 100);
  params[1].second.setDouble(1, 100);
  ASSERT_TRUE(writeNpz(pp, params).ok());
  r = runNncRun("GRAPH --input x=" + xp + " --input y=" + yp + " --output total=" + op +
                " --load-params " + pp);
  ASSERT_EQ(r.code, 0) << r.err;
  Tensor total2;
  ASSERT_TRUE(readNpy(op, total2).ok());
  EXPECT_NEAR(total2.getDouble(0) - total.getDouble(0), 4 * 2 * 99.5, 1e-2);
  for (const std::string &p : {xp, yp, op, lp, pp})
    std::remove(p.c_str());
}

TEST(NncRun, UserErrorsExitOneWithAMessage) {
  struct {
    std::string args, message;
  } cases[] = {
      {"GRAPH", "nnc-run: error: missing input 'x' (f32[B,3])"},
      {"GRAPH --random-inputs --device cuda", "a .graph file runs on the reference interpreter only"},
      {"GRAPH --random-inputs --check", "--check and --bench need a model.so"},
      {"GRAPH --random-inputs --input q=/dev/null", "has no input 'q'"},
      {"GRAPH --random-inputs --output nope=/tmp/x.npy", "has no output 'nope'"},
      {"GRAPH --random-inputs --entry train_step", "has no entry 'train_step'"},
      {"GRAPH --random-inputs --bogus", "unknown option '--bogus'"},
      {"GRAPH --random-inputs --steps 0", "--steps needs a positive number of runs"},
      {"GRAPH --random-inputs --tolerance 0", "--tolerance needs a number above 0, got '0'"},
      {"GRAPH --random-inputs --tolerance 1e-3x", "--tolerance needs a number above 0"},
      {"GRAPH --random-inputs --tolerance", "--tolerance needs a number above 0"},
      {"GRAPH --random-inputs --steps 2", "give a model.so (or a .nn) instead of a .graph"},
      {"GRAPH --input x=/nonexistent.npy --random-inputs", "input x: cannot read"},
      {"GRAPH --random-inputs --load-params /nonexistent.npz", "cannot read"},
      {"/nonexistent/model.nn", "cannot open"},
      {"/nonexistent/model.graph", "cannot open graph file"},
      {"", "no model given"},
  };
  for (const auto &c : cases) {
    Result r = runNncRun(c.args);
    EXPECT_EQ(r.code, 1) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << " → " << r.err;
  }
}

TEST(NncRun, SaveParamsWithoutInputsWritesTheInitialParams) {
  std::string pp = tempPath("init.npz");
  Result r = runNncRun("GRAPH --save-params=" + pp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("saving the initial params of tiny"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  NamedTensors params;
  ASSERT_TRUE(readNpz(pp, params).ok());
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].second.typeString(), "f32[3,2]");
  EXPECT_EQ(params[1].second.getDouble(0), 0.5);
  std::remove(pp.c_str());
}

TEST(NncRun, DimFlagMustAgreeWithInputs) {
  Tensor x(DType::F32, {4, 3});
  std::string xp = tempPath("x4.npy");
  ASSERT_TRUE(writeNpy(xp, x).ok());
  Result r = runNncRun("GRAPH --input x=" + xp + " --random-inputs --dim B=2");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("B"), std::string::npos) << r.err;
  std::remove(xp.c_str());
}

TEST(NncRun, MissingCompilerIsAClearError) {
  std::string nn = tempPath("m.nn");
  std::ofstream(nn) << "this is @@ not nnc source\n";
  Result r = runNncRun(nn);
  EXPECT_EQ(r.code, 1);
  // Either nnc is absent (reference-only build) or it reports its own error.
  EXPECT_NE(r.err.find("nnc-run: error:"), std::string::npos) << r.err;
  std::remove(nn.c_str());
}

} // namespace
