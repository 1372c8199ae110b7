// The C API of libnnrt (nnc/runtime.h) on real model.so files compiled at
// build time: results checked against the test's own double-precision MLP,
// and every misuse returns a status with a message instead of crashing.
#include "nnc/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

const std::string kMlp = NNRT_TEST_MODEL_DIR "/mlp.so";
const std::string kTmp = NNRT_TEST_MODEL_DIR;

/// The status's message ("" for success), freeing it.
std::string message(nnrt_status_t s) {
  std::string m = nnrt_status_message(s);
  nnrt_status_free(s);
  return m;
}

#define EXPECT_STATUS(call, code, text)                                       \
  do {                                                                        \
    nnrt_status_t s_ = (call);                                                \
    EXPECT_EQ(nnrt_status_code(s_), code) << nnrt_status_message(s_);         \
    std::string m_ = message(s_);                                             \
    EXPECT_NE(m_.find(text), std::string::npos) << "message: " << m_;         \
  } while (0)

#define ASSERT_OK(call)                                                       \
  do {                                                                        \
    nnrt_status_t s_ = (call);                                                \
    ASSERT_EQ(s_, nullptr) << nnrt_status_message(s_);                        \
  } while (0)

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

nnrt_tensor_t *tensor(nnrt_dtype_t dtype, std::vector<int64_t> dims,
                      const void *data = nullptr) {
  nnrt_tensor_t *t = nullptr;
  nnrt_status_t s = nnrt_tensor_create(dtype, int32_t(dims.size()), dims.data(), data, &t);
  EXPECT_EQ(s, nullptr) << nnrt_status_message(s);
  return t;
}

std::vector<float> floats(nnrt_tensor_t *t) {
  const float *p = static_cast<const float *>(nnrt_tensor_data(t));
  return std::vector<float>(p, p + nnrt_tensor_numel(t));
}

void writeFile(const std::string &path, const std::vector<char> &bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), long(bytes.size()));
}

std::vector<char> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

/// Opens `device`; skips the test when it cannot be opened here.
void open(Objects &o, const char *device, const std::string &path = kMlp) {
  nnrt_status_t s = nnrt_context_create(device, &o.context);
  if (s && nnrt_status_code(s) == NNRT_UNAVAILABLE)
    GTEST_SKIP() << message(s);
  ASSERT_EQ(s, nullptr) << nnrt_status_message(s);
  ASSERT_OK(nnrt_model_load(o.context, path.c_str(), &o.model));
  ASSERT_OK(nnrt_session_create(o.model, &o.session));
}

/// Runs forward on `device` with a seeded x[5,784] and checks the logits
/// against relu(x @ w1 + b1) @ w2 + b2 in double, with the session's params.
void checkMlpForward(const char *device) {
  Objects o;
  open(o, device);
  if (!o.session)
    return;
  const int64_t B = 5;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(B * 784);
  for (float &v : x)
    v = dist(rng);
  nnrt_tensor_t *xt = tensor(NNRT_F32, {B, 784}, x.data());
  ASSERT_OK(nnrt_session_set_input(o.session, "x", xt));
  nnrt_tensor_release(xt);
  ASSERT_OK(nnrt_session_run(o.session, "forward"));

  std::vector<std::vector<float>> p;
  for (const char *name : {"w1", "b1", "w2", "b2"}) {
    nnrt_tensor_t *t = nullptr;
    ASSERT_OK(nnrt_session_get_param(o.session, name, &t));
    p.push_back(floats(t));
    nnrt_tensor_release(t);
  }
  // The initializers are not all zero: a wiring mistake cannot hide.
  double norm = 0;
  for (float v : p[0])
    norm += std::fabs(v);
  ASSERT_GT(norm, 1.0);

  nnrt_tensor_t *logits = nullptr, *pred = nullptr;
  ASSERT_OK(nnrt_session_get_output(o.session, "logits", &logits));
  ASSERT_OK(nnrt_session_get_output(o.session, "pred", &pred));
  ASSERT_EQ(nnrt_tensor_rank(logits), 2);
  EXPECT_EQ(nnrt_tensor_dims(logits)[0], B);
  EXPECT_EQ(nnrt_tensor_dims(logits)[1], 10);
  ASSERT_EQ(nnrt_tensor_dtype(pred), NNRT_I64);
  std::vector<float> got = floats(logits);
  const int64_t *argmax = static_cast<const int64_t *>(nnrt_tensor_data(pred));
  double maxErr = 0, maxRef = 0;
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> h(128), out(10);
    for (int j = 0; j < 128; ++j) {
      double acc = p[1][j];
      for (int k = 0; k < 784; ++k)
        acc += double(x[b * 784 + k]) * p[0][k * 128 + j];
      h[j] = acc > 0 ? acc : 0;
    }
    int best = 0;
    for (int j = 0; j < 10; ++j) {
      double acc = p[3][j];
      for (int k = 0; k < 128; ++k)
        acc += h[k] * p[2][k * 10 + j];
      out[j] = acc;
      if (acc > out[best])
        best = j;
      maxErr = std::max(maxErr, std::fabs(acc - got[b * 10 + j]));
      maxRef = std::max(maxRef, std::fabs(acc));
    }
    EXPECT_EQ(argmax[b], best) << "row " << b;
  }
  EXPECT_LT(maxErr / maxRef, 1e-5) << device;
  nnrt_tensor_release(logits);
  nnrt_tensor_release(pred);
}

TEST(RuntimeApi, MlpForwardOnReference) { checkMlpForward("reference"); }
TEST(RuntimeApi, MlpForwardOnVulkan) { checkMlpForward("vulkan"); }
TEST(RuntimeApi, MlpForwardOnCuda) { checkMlpForward("cuda"); }

/// One train_step of the MLP on `device`, checked against a double-precision
/// recomputation from the session's own params: the loss, adam's first
/// moment of b2 and b2's first update (lr * g / (|g| + eps) at step 1);
/// a second step advances the step count.
void checkMlpTrainStep(const char *device) {
  Objects o;
  open(o, device);
  if (!o.session)
    return;
  const int64_t B = 6;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(0, 1);
  std::vector<float> x(B * 784);
  for (float &v : x)
    v = dist(rng);
  std::vector<int32_t> y = {3, 1, 4, 1, 5, 9};
  nnrt_tensor_t *xt = tensor(NNRT_F32, {B, 784}, x.data());
  nnrt_tensor_t *yt = tensor(NNRT_I32, {B}, y.data());
  ASSERT_OK(nnrt_session_set_input(o.session, "x", xt));
  ASSERT_OK(nnrt_session_set_input(o.session, "y", yt));
  nnrt_tensor_release(xt);
  nnrt_tensor_release(yt);

  std::vector<std::vector<float>> p;
  for (const char *name : {"w1", "b1", "w2", "b2"}) {
    nnrt_tensor_t *t = nullptr;
    ASSERT_OK(nnrt_session_get_param(o.session, name, &t));
    p.push_back(floats(t));
    nnrt_tensor_release(t);
  }
  // d loss / d b2 = mean over the batch of softmax(logits) - onehot(y).
  double loss = 0;
  std::vector<double> g(10, 0.0);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> h(128), z(10);
    for (int j = 0; j < 128; ++j) {
      double acc = p[1][j];
      for (int k = 0; k < 784; ++k)
        acc += double(x[b * 784 + k]) * p[0][k * 128 + j];
      h[j] = acc > 0 ? acc : 0;
    }
    double mx = -1e300, den = 0;
    for (int j = 0; j < 10; ++j) {
      z[j] = p[3][j];
      for (int k = 0; k < 128; ++k)
        z[j] += h[k] * p[2][k * 10 + j];
      mx = std::max(mx, z[j]);
    }
    for (int j = 0; j < 10; ++j)
      den += std::exp(z[j] - mx);
    loss += (mx + std::log(den) - z[y[b]]) / B;
    for (int j = 0; j < 10; ++j)
      g[j] += (std::exp(z[j] - mx) / den - (j == y[b] ? 1.0 : 0.0)) / B;
  }

  ASSERT_OK(nnrt_session_run(o.session, "train_step"));
  nnrt_tensor_t *t = nullptr;
  ASSERT_OK(nnrt_session_get_output(o.session, "loss", &t));
  EXPECT_NEAR(floats(t)[0], loss, 1e-5 * std::fabs(loss)) << device;
  nnrt_tensor_release(t);
  ASSERT_OK(nnrt_session_get_param(o.session, "opt.m.b2", &t));
  std::vector<float> m = floats(t);
  nnrt_tensor_release(t);
  ASSERT_OK(nnrt_session_get_param(o.session, "b2", &t));
  std::vector<float> b2 = floats(t);
  nnrt_tensor_release(t);
  for (int j = 0; j < 10; ++j) {
    EXPECT_NEAR(m[j], 0.1 * g[j], 1e-6) << device << " j=" << j;
    double want = p[3][j] - 0.001 * g[j] / (std::fabs(g[j]) + 1e-8);
    EXPECT_NEAR(b2[j], want, 1e-6) << device << " j=" << j;
  }
  ASSERT_OK(nnrt_session_run(o.session, "train_step"));
  ASSERT_OK(nnrt_session_get_param(o.session, "opt.step", &t));
  EXPECT_EQ(floats(t)[0], 2.0f) << device;
  nnrt_tensor_release(t);
  // forward does not touch the params.
  ASSERT_OK(nnrt_session_get_param(o.session, "b2", &t));
  std::vector<float> before = floats(t);
  nnrt_tensor_release(t);
  ASSERT_OK(nnrt_session_run(o.session, "forward"));
  ASSERT_OK(nnrt_session_get_param(o.session, "b2", &t));
  EXPECT_EQ(floats(t), before);
  nnrt_tensor_release(t);
}

TEST(RuntimeApi, MlpTrainStepOnReference) { checkMlpTrainStep("reference"); }
TEST(RuntimeApi, MlpTrainStepOnVulkan) { checkMlpTrainStep("vulkan"); }
TEST(RuntimeApi, MlpTrainStepOnCuda) { checkMlpTrainStep("cuda"); }

TEST(RuntimeApi, DescribesTheModel) {
  Objects o;
  open(o, "reference");
  EXPECT_STREQ(nnrt_model_name(o.model), "mnist_mlp");
  ASSERT_EQ(nnrt_model_value_count(o.model, NNRT_VALUE_INPUT), 2);
  nnrt_value_info_t info;
  ASSERT_OK(nnrt_model_value_info(o.model, NNRT_VALUE_INPUT, 0, &info));
  EXPECT_STREQ(info.name, "x");
  EXPECT_EQ(info.dtype, NNRT_F32);
  ASSERT_EQ(info.rank, 2);
  EXPECT_EQ(info.dims[0], -1);
  EXPECT_STREQ(info.dim_names[0], "B");
  EXPECT_EQ(info.dims[1], 784);
  EXPECT_EQ(nnrt_model_value_count(o.model, NNRT_VALUE_PARAM), 4);
  EXPECT_STATUS(nnrt_model_value_info(o.model, NNRT_VALUE_PARAM, 4, &info), NNRT_NOT_FOUND,
                "out of range");
  ASSERT_EQ(nnrt_model_entry_count(o.model), 3);
  EXPECT_STREQ(nnrt_model_entry_name(o.model, 0), "forward");
  EXPECT_STREQ(nnrt_model_entry_name(o.model, 2), "train_step");
  int32_t n = 0;
  const char *const *names = nullptr;
  ASSERT_OK(nnrt_model_entry_outputs(o.model, "loss", &n, &names));
  ASSERT_EQ(n, 3);
  EXPECT_STREQ(names[0], "loss");
  // train_step returns what loss returns; its updates are not outputs.
  ASSERT_OK(nnrt_model_entry_outputs(o.model, "train_step", &n, &names));
  ASSERT_EQ(n, 3);
  EXPECT_STREQ(names[0], "loss");
  EXPECT_STREQ(names[2], "pred");
  // adam's state: a step count and two moments per param.
  EXPECT_EQ(nnrt_model_value_count(o.model, NNRT_VALUE_STATE), 9);
}

TEST(RuntimeApi, DescribesTheSizesNncDimFixed) {
  // mlp_b8.so: `nnc --dim B=8`. The graph names the batch B, the kernels
  // were compiled for 8: the info gives 8 and keeps the name.
  nnrt_context_t *c = nullptr;
  ASSERT_OK(nnrt_context_create("reference", &c));
  nnrt_model_t *m = nullptr;
  ASSERT_OK(nnrt_model_load(c, NNRT_TEST_MODEL_DIR "/mlp_b8.so", &m));
  for (int32_t i = 0; i < 2; ++i) {
    nnrt_value_info_t info;
    ASSERT_OK(nnrt_model_value_info(m, NNRT_VALUE_INPUT, i, &info));
    ASSERT_GE(info.rank, 1) << info.name;
    EXPECT_EQ(info.dims[0], 8) << info.name;
    EXPECT_STREQ(info.dim_names[0], "B") << info.name;
  }
  // So do the outputs' (logits [B, 10], pred [B], the loss 0-d).
  int32_t outputs = nnrt_model_value_count(m, NNRT_VALUE_OUTPUT);
  ASSERT_EQ(outputs, 3);
  for (int32_t i = 0; i < outputs; ++i) {
    nnrt_value_info_t info;
    ASSERT_OK(nnrt_model_value_info(m, NNRT_VALUE_OUTPUT, i, &info));
    if (info.rank > 0)
      EXPECT_EQ(info.dims[0], 8) << info.name;
    if (info.rank > 1)
      EXPECT_EQ(info.dims[1], 10) << info.name;
  }
  // Another batch is refused when it is set, on the reference too (the
  // graph inside would take it, the kernels would not).
  nnrt_session_t *s = nullptr;
  ASSERT_OK(nnrt_session_create(m, &s));
  nnrt_tensor_t *x5 = tensor(NNRT_F32, {5, 784});
  EXPECT_STATUS(nnrt_session_set_input(s, "x", x5), NNRT_INVALID_ARGUMENT,
                "input 'x' has shape [5, 784]; this model was compiled for [8, 784] "
                "(nnc --dim fixed its sizes)");
  nnrt_tensor_t *x8 = tensor(NNRT_F32, {8, 784});
  ASSERT_OK(nnrt_session_set_input(s, "x", x8));
  ASSERT_OK(nnrt_session_run(s, "forward"));
  nnrt_tensor_release(x5);
  nnrt_tensor_release(x8);
  nnrt_session_release(s);
  nnrt_model_release(m);
  // The model of dynamic dims still says -1, for outputs too.
  ASSERT_OK(nnrt_model_load(c, kMlp.c_str(), &m));
  nnrt_value_info_t info;
  ASSERT_OK(nnrt_model_value_info(m, NNRT_VALUE_INPUT, 1, &info));
  EXPECT_EQ(info.dims[0], -1);
  for (int32_t i = 0; i < nnrt_model_value_count(m, NNRT_VALUE_OUTPUT); ++i) {
    ASSERT_OK(nnrt_model_value_info(m, NNRT_VALUE_OUTPUT, i, &info));
    if (info.rank > 0)
      EXPECT_EQ(info.dims[0], -1) << info.name;
  }
  nnrt_model_release(m);
  nnrt_context_release(c);
}

TEST(RuntimeApi, BadDevices) {
  nnrt_context_t *c = nullptr;
  EXPECT_STATUS(nnrt_context_create("tpu", &c), NNRT_INVALID_ARGUMENT, "unknown device 'tpu'");
  EXPECT_STATUS(nnrt_context_create("vulkan:x", &c), NNRT_INVALID_ARGUMENT, "NAME:ORDINAL");
  EXPECT_STATUS(nnrt_context_create("vulkan:63", &c), NNRT_UNAVAILABLE, "vulkan");
  EXPECT_EQ(c, nullptr);
  // "auto" always opens something: the reference when nothing else.
  ASSERT_OK(nnrt_context_create("auto", &c));
  EXPECT_STRNE(nnrt_context_device_name(c), "");
  nnrt_context_release(c);
}

TEST(RuntimeApi, BadModelFiles) {
  nnrt_context_t *c = nullptr;
  ASSERT_OK(nnrt_context_create("reference", &c));
  nnrt_model_t *m = nullptr;
  EXPECT_STATUS(nnrt_model_load(c, "/nonexistent/model.so", &m), NNRT_NOT_FOUND, "no such file");
  // A shared object that is not a model.
  EXPECT_STATUS(nnrt_model_load(c, NNRT_LIBRARY_PATH, &m), NNRT_INCOMPATIBLE,
                "not an nnc model");
  // Not a shared object at all.
  writeFile(kTmp + "/text.so", {'h', 'e', 'l', 'l', 'o'});
  EXPECT_STATUS(nnrt_model_load(c, (kTmp + "/text.so").c_str(), &m), NNRT_INCOMPATIBLE,
                "not a loadable model");
  // Truncated.
  std::vector<char> bytes = readFile(kMlp);
  ASSERT_GT(bytes.size(), 4096u);
  writeFile(kTmp + "/truncated.so", std::vector<char>(bytes.begin(), bytes.begin() + 3000));
  EXPECT_STATUS(nnrt_model_load(c, (kTmp + "/truncated.so").c_str(), &m), NNRT_INCOMPATIBLE,
                "truncated.so");
  // Another format version: patch the field after the magic.
  std::string text(bytes.begin(), bytes.end());
  size_t at = text.find("NNCMODEL");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 8] = 9;
  writeFile(kTmp + "/future.so", bytes);
  EXPECT_STATUS(nnrt_model_load(c, (kTmp + "/future.so").c_str(), &m), NNRT_INCOMPATIBLE,
                "format version 9 but this runtime reads versions 1 to 2");
  EXPECT_EQ(m, nullptr);
  bytes[at + 8] = 0;
  writeFile(kTmp + "/version0.so", bytes);
  EXPECT_STATUS(nnrt_model_load(c, (kTmp + "/version0.so").c_str(), &m), NNRT_INCOMPATIBLE,
                "format version 0");
  EXPECT_EQ(m, nullptr);
  // Version 1 (before plan:cuda) still loads.
  bytes[at + 8] = 1;
  writeFile(kTmp + "/version1.so", bytes);
  nnrt_status_t v1 = nnrt_model_load(c, (kTmp + "/version1.so").c_str(), &m);
  EXPECT_EQ(v1, nullptr) << (v1 ? nnrt_status_message(v1) : "");
  if (v1)
    nnrt_status_free(v1);
  nnrt_model_release(m);
  m = nullptr;
  nnrt_context_release(c);
}

TEST(RuntimeApi, BadInputsAndCalls) {
  Objects o;
  open(o, "reference");
  nnrt_tensor_t *out = nullptr;
  EXPECT_STATUS(nnrt_session_get_output(o.session, "logits", &out), NNRT_INVALID_ARGUMENT,
                "has not succeeded");
  EXPECT_STATUS(nnrt_session_run(o.session, "forward"), NNRT_INVALID_ARGUMENT,
                "missing input 'x' (f32[B,784])");
  nnrt_tensor_t *wrongDtype = tensor(NNRT_I32, {2, 784});
  EXPECT_STATUS(nnrt_session_set_input(o.session, "x", wrongDtype), NNRT_INVALID_ARGUMENT,
                "input 'x' of mnist_mlp is f32[B,784], got i32[2,784]");
  nnrt_tensor_t *wrongShape = tensor(NNRT_F32, {2, 783});
  EXPECT_STATUS(nnrt_session_set_input(o.session, "x", wrongShape), NNRT_INVALID_ARGUMENT,
                "got f32[2,783]");
  EXPECT_STATUS(nnrt_session_set_input(o.session, "z", wrongShape), NNRT_NOT_FOUND,
                "has no input 'z' (inputs: x, y)");
  nnrt_tensor_t *x = tensor(NNRT_F32, {2, 784});
  nnrt_tensor_t *y = tensor(NNRT_I32, {3});
  ASSERT_OK(nnrt_session_set_input(o.session, "x", x));
  ASSERT_OK(nnrt_session_set_input(o.session, "y", y));
  // B is 2 in x and 3 in y.
  EXPECT_STATUS(nnrt_session_run(o.session, "loss"), NNRT_INVALID_ARGUMENT, "B");
  EXPECT_STATUS(nnrt_session_run(o.session, "train"), NNRT_NOT_FOUND,
                "has no entry 'train' (entries: forward, loss, train_step)");
  // forward never reads y: a stale y of another batch size does not matter.
  ASSERT_OK(nnrt_session_run(o.session, "forward"));
  nnrt_tensor_release(y);
  y = tensor(NNRT_I32, {2});
  ASSERT_OK(nnrt_session_set_input(o.session, "y", y));
  ASSERT_OK(nnrt_session_run(o.session, "forward"));
  EXPECT_STATUS(nnrt_session_get_output(o.session, "loss", &out), NNRT_NOT_FOUND,
                "entry forward has no output 'loss' (outputs: logits, pred)");
  EXPECT_STATUS(nnrt_session_get_param(o.session, "w9", &out), NNRT_NOT_FOUND, "'w9'");
  EXPECT_STATUS(nnrt_session_set_param(o.session, "w1", x), NNRT_INVALID_ARGUMENT,
                "f32[784,128], got f32[2,784]");
  EXPECT_STATUS(nnrt_session_run(nullptr, "forward"), NNRT_INVALID_ARGUMENT, "NULL");
  int64_t dims[] = {-1};
  EXPECT_STATUS(nnrt_tensor_create(NNRT_F32, 1, dims, nullptr, &out), NNRT_INVALID_ARGUMENT,
                "out of range");
  EXPECT_STATUS(nnrt_tensor_create(NNRT_F32, 9, dims, nullptr, &out), NNRT_INVALID_ARGUMENT,
                "rank");
  for (nnrt_tensor_t *t : {wrongDtype, wrongShape, x, y})
    nnrt_tensor_release(t);
}

TEST(RuntimeApi, SavesAndLoadsParams) {
  Objects o;
  open(o, "reference");
  std::string path = kTmp + "/params.npz";
  std::vector<float> ones(128, 1.0f);
  nnrt_tensor_t *b1 = tensor(NNRT_F32, {128}, ones.data());
  ASSERT_OK(nnrt_session_set_param(o.session, "b1", b1));
  nnrt_tensor_release(b1);
  ASSERT_OK(nnrt_session_save_params(o.session, path.c_str()));

  Objects fresh;
  open(fresh, "reference");
  ASSERT_OK(nnrt_session_load_params(fresh.session, path.c_str()));
  nnrt_tensor_t *got = nullptr;
  ASSERT_OK(nnrt_session_get_param(fresh.session, "b1", &got));
  EXPECT_EQ(floats(got), ones);
  nnrt_tensor_release(got);
  EXPECT_STATUS(nnrt_session_load_params(fresh.session, (kTmp + "/none.npz").c_str()),
                NNRT_NOT_FOUND, "none.npz");
}

} // namespace
