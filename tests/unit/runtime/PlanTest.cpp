// Launch plan parsing and evaluation (runtime/src/Plan.cpp): well-formed
// plans evaluate to the right sizes, offsets and launches; malformed ones
// and impossible shapes are errors with a line number, never a crash.
#include "runtime/src/Plan.h"

#include <gtest/gtest.h>

#include <random>

using namespace nnc::rt;

namespace {

// An MLP-like entry: x[B,8] @ w[8,4] -> t (freed), relu(t) -> y.
const char *kPlan = R"(nnc-plan 1
kernel 0 f_kernel f_kernel 256 1 1
kernel 1 f_kernel_0 f_kernel 256 1 1
entry forward
arg 0 input x f32 used 2 ? 8
arg 1 input labels i32 unused 1 ?
arg 2 param w f32 used 2 8 4
r 0 indim 0 0
r 1 mul 16 %0
r 2 ceildivs %0 256
b 0 alloc %1
v 0 arg 0 f32 0 2 %0 8 8 1
v 1 arg 2 f32 0 2 8 4 4 1
v 2 buf 0 f32 0 2 %0 4 4 1
launch 0 %2 4 1 4 index:%0 v0 v1 v2
b 1 alloc %1
v 3 buf 1 f32 0 2 %0 4 4 1
launch 1 %2 4 1 3 index:%0 v2 v3
free 0
b 2 alloc %1
result y v3
end
)";

Plan parsed(const std::string &text) {
  Plan plan;
  EXPECT_EQ(parsePlan(text, plan), "");
  return plan;
}

TEST(Plan, ParsesTablesAndEntry) {
  Plan plan = parsed(kPlan);
  ASSERT_EQ(plan.kernels.size(), 2u);
  EXPECT_EQ(plan.kernels[1].module, "f_kernel_0");
  EXPECT_EQ(plan.kernels[1].function, "f_kernel");
  EXPECT_EQ(plan.kernels[0].block[0], 256u);
  const PlanEntry *e = plan.entry("forward");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->args.size(), 3u);
  EXPECT_FALSE(e->args[1].used);
  EXPECT_EQ(e->args[0].dims, (std::vector<int64_t>{-1, 8}));
  EXPECT_EQ(e->numRegs, 3);
  EXPECT_EQ(e->numBuffers, 3);
  EXPECT_EQ(e->numViews, 4);
  EXPECT_EQ(plan.entry("loss"), nullptr);
}

TEST(Plan, EvaluatesSizesGridsAndReusesFreedBytes) {
  Plan plan = parsed(kPlan);
  EvalEntry out;
  // B = 300: two blocks of 256 along x.
  ASSERT_EQ(evaluateEntry(plan, *plan.entry("forward"),
                          {{300, 8}, {0}, {8, 4}}, out),
            "");
  ASSERT_EQ(out.launches.size(), 2u);
  EXPECT_EQ(out.launches[0].grid[0], 2u);
  EXPECT_EQ(out.launches[0].grid[1], 4u);
  ASSERT_EQ(out.launches[0].args.size(), 4u);
  EXPECT_FALSE(out.launches[0].args[0].isView);
  EXPECT_EQ(out.launches[0].args[0].value, 300);
  const EvalView &w = out.launches[0].args[2].view;
  EXPECT_EQ(w.sizes, (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(w.strides, (std::vector<int64_t>{4, 1}));
  EXPECT_EQ(out.bufferBytes[0], 300u * 16);
  // 4800 bytes round up to 4864 (256-aligned); buffer 1 follows buffer 0,
  // and buffer 2 takes buffer 0's bytes after its free.
  EXPECT_EQ(out.bufferOffset[0], 0u);
  EXPECT_EQ(out.bufferOffset[1], 4864u);
  EXPECT_EQ(out.bufferOffset[2], 0u);
  EXPECT_EQ(out.arenaBytes, 2 * 4864u);
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].first, "y");
  EXPECT_TRUE(out.results[0].second.contiguous());
  EXPECT_EQ(out.results[0].second.numel(), 1200);
}

TEST(Plan, ZeroBatchIsEmptyNotAnError) {
  Plan plan = parsed(kPlan);
  EvalEntry out;
  ASSERT_EQ(evaluateEntry(plan, *plan.entry("forward"), {{0, 8}, {0}, {8, 4}}, out), "");
  EXPECT_EQ(out.launches[0].grid[0], 0u);
}

TEST(Plan, ViewOutsideItsRootIsAnError) {
  // The view claims 8 columns of a param that has 4.
  std::string text = kPlan;
  text.replace(text.find("v 1 arg 2 f32 0 2 8 4 4 1"), 25, "v 1 arg 2 f32 0 2 8 8 8 1");
  Plan plan = parsed(text);
  EvalEntry out;
  std::string e = evaluateEntry(plan, *plan.entry("forward"), {{2, 8}, {0}, {8, 4}}, out);
  EXPECT_NE(e.find("outside its buffer"), std::string::npos) << e;
}

TEST(Plan, ShapeOtherThanTheCompiledOneIsAnError) {
  // w was compiled as [8, 4] (a static dim where the graph may name one);
  // the unused labels' shape is not looked at.
  Plan plan = parsed(kPlan);
  EvalEntry out;
  std::string e = evaluateEntry(plan, *plan.entry("forward"),
                                {{2, 8}, {7, 7}, {4, 4}}, out);
  EXPECT_EQ(e, "param 'w' has shape [4, 4]; this model was compiled for "
               "[8, 4] (nnc --dim fixed its sizes)");
  e = evaluateEntry(plan, *plan.entry("forward"), {{2, 8, 1}, {0}, {8, 4}}, out);
  EXPECT_EQ(e, "input 'x' has shape [2, 8, 1]; this model takes [?, 8]");
  EXPECT_EQ(evaluateEntry(plan, *plan.entry("forward"), {{2, 8}, {7, 7}, {8, 4}}, out), "");
}

TEST(Plan, DivisionByZeroIsAnError) {
  Plan plan = parsed(R"(nnc-plan 1
entry f
arg 0 input x f32 used 1 ?
r 0 indim 0 0
r 1 divs 10 %0
end
)");
  EvalEntry out;
  std::string e = evaluateEntry(plan, plan.entries[0], {{0}}, out);
  EXPECT_NE(e.find("divides by zero"), std::string::npos) << e;
  EXPECT_EQ(evaluateEntry(plan, plan.entries[0], {{5}}, out), "");
}

TEST(Plan, UseAfterFreeIsAnError) {
  Plan plan = parsed(R"(nnc-plan 1
kernel 0 k k 1 1 1
entry f
b 0 alloc 16
v 0 buf 0 f32 0 1 4 1
free 0
launch 0 1 1 1 1 v0
end
)");
  EvalEntry out;
  std::string e = evaluateEntry(plan, plan.entries[0], {}, out);
  EXPECT_NE(e.find("freed"), std::string::npos) << e;
}

TEST(Plan, MalformedLinesNameTheirLine) {
  struct Case {
    const char *text, *message;
  };
  const Case cases[] = {
      {"", "empty"},
      {"nnc-plan 2\n", "plan:1: expected 'nnc-plan 1'"},
      {"nnc-plan 1\nkernel 1 k k 1 1 1\n", "plan:2: malformed kernel line"},
      {"nnc-plan 1\nkernel 0 k k 0 1 1\n", "plan:2: kernel block size out of range"},
      {"nnc-plan 1\narg 0 input x f32 used 0\n", "plan:2: 'arg' outside an entry"},
      {"nnc-plan 1\nentry f\nr 1 indim 0 0\n", "plan:3: registers must be numbered in order"},
      {"nnc-plan 1\nentry f\nr 0 add %3 1\n", "plan:3: bad operand '%3'"},
      {"nnc-plan 1\nentry f\nr 0 pow 1 1\n", "plan:3: unknown register op 'pow'"},
      {"nnc-plan 1\nentry f\nr 0 indim 0 0\n", "plan:3: malformed indim"},
      {"nnc-plan 1\nentry f\nv 0 buf 0 f32 0 1 4 1\n", "plan:3: view root out of range"},
      {"nnc-plan 1\nentry f\nv 0 arg 0 q32 0 0\n", "plan:3: malformed view"},
      {"nnc-plan 1\nentry f\nlaunch 0 1 1 1 0\n", "plan:3: malformed launch"},
      {"nnc-plan 1\nentry f\nresult y v0\n", "plan:3: malformed result"},
      {"nnc-plan 1\nentry f\nfree 0\n", "plan:3: malformed free"},
      {"nnc-plan 1\nentry f\nbogus\n", "plan:3: unknown line 'bogus'"},
      {"nnc-plan 1\nentry f\n", "plan: entry 'f' has no end"},
  };
  for (const Case &c : cases) {
    Plan plan;
    std::string e = parsePlan(c.text, plan);
    EXPECT_NE(e.find(c.message), std::string::npos) << "got: " << e << "\nfor: " << c.text;
  }
}

// Mutated plans either parse and evaluate (to success or an error) or fail
// to parse; none crashes or trips the sanitizers.
TEST(Plan, MutatedPlansNeverCrash) {
  std::mt19937 rng(7);
  const std::string base = kPlan;
  const char alphabet[] = "0123456789%v -?\nabrx";
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text = base;
    int edits = 1 + int(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
      case 0: text[at] = alphabet[rng() % (sizeof(alphabet) - 1)]; break;
      case 1: text.erase(at, 1 + rng() % 6); break;
      default: text.insert(at, 1, alphabet[rng() % (sizeof(alphabet) - 1)]); break;
      }
      if (text.empty())
        text = "x";
    }
    Plan plan;
    if (!parsePlan(text, plan).empty())
      continue;
    for (const PlanEntry &e : plan.entries) {
      std::vector<std::vector<int64_t>> shapes;
      for (const PlanArg &a : e.args) {
        std::vector<int64_t> s;
        for (int64_t d : a.dims)
          s.push_back(d < 0 ? int64_t(rng() % 5) : d);
        shapes.push_back(s);
      }
      EvalEntry out;
      (void)evaluateEntry(plan, e, shapes, out);
    }
  }
}

} // namespace
