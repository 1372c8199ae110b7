// NNRT_PROFILE (runtime/src/Profile.h): the MLP run with profiling on must
// report one time per command of its launch plan, in plan order, with the
// plan's kernel names and grids, and print the table. The expected launches
// come from the model's own plan section, evaluated here with Plan.cpp;
// the measured ones through the runtime's testing hook, not from stderr.
#include "nnc/runtime.h"
#include "runtime/src/Plan.h"
#include "runtime/src/Profile.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using nnc::rt::ProfileRow;
using nnc::rt::ProfileRun;

const std::string kMlp = NNRT_TEST_MODEL_DIR "/mlp.so";

std::string message(nnrt_status_t s) {
  std::string m = nnrt_status_message(s);
  nnrt_status_free(s);
  return m;
}

#define ASSERT_OK(call)                                                       \
  do {                                                                        \
    nnrt_status_t s_ = (call);                                                \
    ASSERT_EQ(s_, nullptr) << nnrt_status_message(s_);                        \
  } while (0)

/// Sets NNRT_PROFILE for the scope of the object.
struct ProfileEnv {
  explicit ProfileEnv(const char *value) { setenv("NNRT_PROFILE", value, 1); }
  ~ProfileEnv() { unsetenv("NNRT_PROFILE"); }
};

struct Objects {
  nnrt_context_t *context = nullptr;
  nnrt_model_t *model = nullptr;
  nnrt_session_t *session = nullptr;
  ~Objects() {
    nnrt_session_release(session);
    nnrt_model_release(model);
    nnrt_context_release(context);
  }
};

void open(Objects &o, const char *device) {
  nnrt_status_t s = nnrt_context_create(device, &o.context);
  if (s && nnrt_status_code(s) == NNRT_UNAVAILABLE)
    GTEST_SKIP() << message(s);
  ASSERT_EQ(s, nullptr) << nnrt_status_message(s);
  ASSERT_OK(nnrt_model_load(o.context, kMlp.c_str(), &o.model));
  ASSERT_OK(nnrt_session_create(o.model, &o.session));
}

void setInputs(nnrt_session_t *s, int64_t B) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(size_t(B) * 784);
  for (float &v : x)
    v = dist(rng);
  std::vector<int32_t> y(static_cast<size_t>(B));
  for (int64_t i = 0; i < B; ++i)
    y[size_t(i)] = int32_t(i % 10);
  int64_t xd[2] = {B, 784}, yd[1] = {B};
  nnrt_tensor_t *xt = nullptr, *yt = nullptr;
  ASSERT_OK(nnrt_tensor_create(NNRT_F32, 2, xd, x.data(), &xt));
  ASSERT_OK(nnrt_tensor_create(NNRT_I32, 1, yd, y.data(), &yt));
  ASSERT_OK(nnrt_session_set_input(s, "x", xt));
  ASSERT_OK(nnrt_session_set_input(s, "y", yt));
  nnrt_tensor_release(xt);
  nnrt_tensor_release(yt);
}

/// The plan section of a model.so (docs/model-format.md), read directly.
std::string planText(const std::string &path) {
  void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h)
    return "";
  auto *blob = static_cast<const uint8_t *>(dlsym(h, "nnc_model_blob"));
  std::string text;
  auto u32 = [](const uint8_t *p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  };
  auto u64 = [](const uint8_t *p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  if (blob && std::memcmp(blob, "NNCMODEL", 8) == 0) {
    uint32_t count = u32(blob + 12);
    const uint8_t *at = blob + 24;
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t nameLen = u32(at);
      std::string name(reinterpret_cast<const char *>(at + 4), nameLen);
      uint64_t size = u64(at + 4 + nameLen);
      const uint8_t *bytes = at + 12 + nameLen;
      if (name == "plan")
        text.assign(reinterpret_cast<const char *>(bytes), size);
      at = bytes + size;
    }
  }
  dlclose(h);
  return text;
}

/// The entry's launches for batch B, evaluated from the model's plan.
void expectedLaunches(const std::string &entryName, int64_t B,
                      nnc::rt::Plan &plan, nnc::rt::EvalEntry &eval) {
  std::string text = planText(kMlp);
  ASSERT_FALSE(text.empty()) << "no plan section in " << kMlp;
  ASSERT_EQ(nnc::rt::parsePlan(text, plan), "");
  const nnc::rt::PlanEntry *entry = plan.entry(entryName);
  ASSERT_NE(entry, nullptr);
  std::vector<std::vector<int64_t>> shapes;
  for (const nnc::rt::PlanArg &a : entry->args) {
    std::vector<int64_t> dims = a.dims;
    for (int64_t &d : dims)
      if (d < 0)
        d = B;
    shapes.push_back(dims);
  }
  ASSERT_EQ(nnc::rt::evaluateEntry(plan, *entry, shapes, eval), "");
  ASSERT_FALSE(eval.launches.empty());
}

/// Every launch of `eval` is a row of `run`, in order, with its kernel and
/// grid; copies (param updates) follow; times are sane and add up.
void expectAccounted(const ProfileRun &run, const nnc::rt::Plan &plan,
                     const nnc::rt::EvalEntry &eval, uint64_t runs) {
  ASSERT_GE(run.rows.size(), eval.launches.size());
  EXPECT_LE(run.rows.size(), eval.launches.size() + eval.updates.size());
  EXPECT_EQ(run.runs, runs);
  double total = 0;
  for (size_t i = 0; i < run.rows.size(); ++i) {
    const ProfileRow &r = run.rows[i];
    EXPECT_EQ(r.command, int64_t(i));
    EXPECT_TRUE(std::isfinite(r.ms) && r.ms >= 0) << r.kernel << ": " << r.ms;
    total += r.ms;
    if (i >= eval.launches.size()) {
      EXPECT_TRUE(r.copy) << "row " << i;
      EXPECT_EQ(r.kernel.rfind("copy -> ", 0), 0u) << r.kernel;
      continue;
    }
    const nnc::rt::EvalLaunch &l = eval.launches[i];
    EXPECT_FALSE(r.copy);
    EXPECT_EQ(r.kernel, plan.kernels[size_t(l.kernel)].module) << "launch " << i;
    EXPECT_EQ(r.function, plan.kernels[size_t(l.kernel)].function);
    for (int d = 0; d < 3; ++d) {
      EXPECT_EQ(r.grid[d], l.grid[d]) << r.kernel;
      EXPECT_EQ(r.block[d], plan.kernels[size_t(l.kernel)].block[d]) << r.kernel;
    }
  }
  EXPECT_GT(total, 0.0);
  EXPECT_GT(run.wallMs, 0.0);
  // The table: a header naming the entry and clock, one line per row (all
  // of them were asked for), and the total.
  EXPECT_NE(run.table.find("nnrt profile: " + run.entry + " on "), std::string::npos);
  EXPECT_NE(run.table.find(run.clock), std::string::npos);
  EXPECT_NE(run.table.find(" total "), std::string::npos);
  EXPECT_NE(run.table.find(std::to_string(eval.launches.size()) + " launches"),
            std::string::npos)
      << run.table;
  size_t lines = 0;
  for (char c : run.table)
    lines += c == '\n';
  EXPECT_EQ(lines, run.rows.size() + 3) << run.table; // header, titles, total
  for (const ProfileRow &r : run.rows)
    EXPECT_NE(run.table.find(" " + r.kernel + " "), std::string::npos) << r.kernel;
}

void checkForwardProfiled(const char *device, const char *options,
                          const char *clock) {
  ProfileEnv env(options);
  Objects o;
  open(o, device);
  if (!o.session)
    return;
  const int64_t B = 5;
  setInputs(o.session, B);
  nnc::rt::Plan plan;
  nnc::rt::EvalEntry eval;
  expectedLaunches("forward", B, plan, eval);
  if (testing::Test::HasFatalFailure())
    return;

  testing::internal::CaptureStderr();
  nnrt_status_t s = nnrt_session_run(o.session, "forward");
  std::string printed = testing::internal::GetCapturedStderr();
  ASSERT_EQ(s, nullptr) << nnrt_status_message(s);
  const ProfileRun *run = nnrt_testing_session_profile(o.session, nullptr);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->entry, "forward");
  EXPECT_EQ(run->rows.size(), eval.launches.size()); // forward updates nothing
  if (clock) {
    EXPECT_EQ(run->clock, clock);
  }
  expectAccounted(*run, plan, eval, 1);
  EXPECT_EQ(printed, run->table);
  std::printf("%s", run->table.c_str());

  // The results are those of an unprofiled run.
  nnrt_tensor_t *logits = nullptr;
  ASSERT_OK(nnrt_session_get_output(o.session, "logits", &logits));
  std::vector<float> profiled(static_cast<const float *>(nnrt_tensor_data(logits)),
                              static_cast<const float *>(nnrt_tensor_data(logits)) + 5 * 10);
  nnrt_tensor_release(logits);
  unsetenv("NNRT_PROFILE");
  testing::internal::CaptureStderr();
  ASSERT_OK(nnrt_session_run(o.session, "forward"));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  ASSERT_OK(nnrt_session_get_output(o.session, "logits", &logits));
  std::vector<float> plain(static_cast<const float *>(nnrt_tensor_data(logits)),
                           static_cast<const float *>(nnrt_tensor_data(logits)) + 5 * 10);
  nnrt_tensor_release(logits);
  EXPECT_EQ(profiled, plain);
}

void checkTrainStepSum(const char *device) {
  ProfileEnv env("sum,all");
  Objects o;
  open(o, device);
  if (!o.session)
    return;
  const int64_t B = 4;
  setInputs(o.session, B);
  nnc::rt::Plan plan;
  nnc::rt::EvalEntry eval;
  expectedLaunches("train_step", B, plan, eval);
  if (testing::Test::HasFatalFailure())
    return;
  testing::internal::CaptureStderr();
  ASSERT_OK(nnrt_session_run(o.session, "train_step"));
  ASSERT_OK(nnrt_session_run(o.session, "train_step"));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), ""); // sum: nothing per run
  const ProfileRun *last = nnrt_testing_session_profile(o.session, nullptr);
  const ProfileRun *sum = nnrt_testing_session_profile(o.session, "train_step");
  ASSERT_NE(last, nullptr);
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(nnrt_testing_session_profile(o.session, "forward"), nullptr);
  expectAccounted(*last, plan, eval, 1);
  expectAccounted(*sum, plan, eval, 2);
  ASSERT_EQ(sum->rows.size(), last->rows.size());
  // One row per launch, then one per update the kernels did not write into
  // the param's own buffer (nnc-gpu-update-in-place).
  const nnc::rt::PlanEntry *entry = plan.entry("train_step");
  size_t copies = 0;
  for (const auto &[name, view] : eval.updates)
    copies += !(view.root == nnc::rt::PlanViewDef::Root::Arg &&
                view.offset == 0 &&
                entry->args[size_t(view.rootIndex)].name == name);
  EXPECT_EQ(last->rows.size(), eval.launches.size() + copies);
  for (size_t i = 0; i < sum->rows.size(); ++i)
    EXPECT_GE(sum->rows[i].ms, last->rows[i].ms);
  EXPECT_NE(sum->table.find("mean of 2 runs"), std::string::npos);
  // The sums are printed when the session goes.
  std::string table = sum->table;
  testing::internal::CaptureStderr();
  nnrt_session_release(o.session);
  o.session = nullptr;
  EXPECT_EQ(testing::internal::GetCapturedStderr(), table);
}

TEST(RuntimeProfile, ParsesOptions) {
  using nnc::rt::parseProfileOptions;
  EXPECT_FALSE(parseProfileOptions(nullptr).enabled);
  EXPECT_FALSE(parseProfileOptions("").enabled);
  EXPECT_FALSE(parseProfileOptions("0").enabled);
  EXPECT_FALSE(parseProfileOptions("off").enabled);
  auto one = parseProfileOptions("1");
  EXPECT_TRUE(one.enabled);
  EXPECT_EQ(one.top, 15);
  EXPECT_FALSE(one.sum || one.hostClock);
  auto o = parseProfileOptions("sum,top=3,host,bogus");
  EXPECT_TRUE(o.enabled && o.sum && o.hostClock);
  EXPECT_EQ(o.top, 3);
  ASSERT_EQ(o.unknown.size(), 1u);
  EXPECT_EQ(o.unknown[0], "bogus");
  EXPECT_EQ(parseProfileOptions("top=0").top, 0);
  EXPECT_EQ(parseProfileOptions("all").top, 0);
  EXPECT_EQ(parseProfileOptions("top=x").unknown.size(), 1u);
}

TEST(RuntimeProfile, FormatsTopN) {
  ProfileRun run;
  run.entry = "forward";
  run.device = "test";
  run.clock = "test clock";
  run.wallMs = 7;
  for (int i = 0; i < 4; ++i) {
    ProfileRow r;
    r.command = i;
    r.kernel = "k" + std::to_string(i);
    r.ms = i + 1; // k3 slowest
    run.rows.push_back(r);
  }
  std::string t = nnc::rt::formatProfile(run, 2);
  EXPECT_LT(t.find(" k3 "), t.find(" k2 ")) << t;
  EXPECT_EQ(t.find(" k1 "), std::string::npos) << t;
  EXPECT_NE(t.find("2 more: 3.000 ms, 30.0%"), std::string::npos) << t;
  EXPECT_NE(t.find("total 10.000 ms in 4 launches and 0 copies; 7.000 ms wall"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("40.0"), std::string::npos) << t;
}

TEST(RuntimeProfile, MlpForwardOnVulkan) {
  checkForwardProfiled("vulkan", "all", nullptr);
}
TEST(RuntimeProfile, MlpForwardOnVulkanHostClock) {
  checkForwardProfiled("vulkan", "host,top=0",
                       "host clock, one submission per command");
}
TEST(RuntimeProfile, MlpForwardOnCuda) { checkForwardProfiled("cuda", "all", "cuda events"); }
TEST(RuntimeProfile, MlpTrainStepSumOnVulkan) { checkTrainStepSum("vulkan"); }
TEST(RuntimeProfile, MlpTrainStepSumOnCuda) { checkTrainStepSum("cuda"); }

} // namespace
