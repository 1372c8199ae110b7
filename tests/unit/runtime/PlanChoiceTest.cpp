// Which kernel set and plan nnrt_model_load takes for a device: a model.so
// for both targets holds Vulkan's kernels (`plan`, spirv:K sections) and
// CUDA's (`plan:cuda`, the `ptx` section). A fake driver stands in for the
// device and records the kernels the runtime hands it; nothing runs.
#include "nnc/runtime.h"
#include "runtime/src/Internal.h"

#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

const std::string kMlp = NNRT_TEST_MODEL_DIR "/mlp.so";

using nnc::rt::DriverStatus;

struct FakeProgram : nnc::rt::Program {};

/// A device that loads whatever it is given and can do nothing else.
class RecordingDriver : public nnc::rt::Driver {
public:
  explicit RecordingDriver(const char *target) : kind(target) {}
  std::string deviceName() const override { return std::string(kind) + ": fake"; }
  const char *target() const override { return kind; }
  DriverStatus allocate(uint64_t, std::unique_ptr<nnc::rt::DeviceBuffer> &) override {
    return DriverStatus::error("fake device");
  }
  DriverStatus write(nnc::rt::DeviceBuffer &, uint64_t, const void *, uint64_t) override {
    return DriverStatus::error("fake device");
  }
  DriverStatus read(nnc::rt::DeviceBuffer &, uint64_t, void *, uint64_t) override {
    return DriverStatus::error("fake device");
  }
  DriverStatus loadKernels(const std::vector<nnc::rt::KernelBlob> &blobs,
                           std::unique_ptr<nnc::rt::Program> &out) override {
    *loaded = blobs;
    out = std::make_unique<FakeProgram>();
    return DriverStatus::success();
  }
  DriverStatus execute(nnc::rt::Program &,
                       const std::vector<nnc::rt::Command> &) override {
    return DriverStatus::error("fake device");
  }

  const char *kind;
  std::shared_ptr<std::vector<nnc::rt::KernelBlob>> loaded =
      std::make_shared<std::vector<nnc::rt::KernelBlob>>();
};

/// The kernels nnrt_model_load gives a `target` device for the MNIST MLP.
std::vector<nnc::rt::KernelBlob> kernelsFor(const char *target) {
  nnrt_context_s context;
  context.kind = target;
  context.name = std::string(target) + ": fake";
  auto driver = std::make_unique<RecordingDriver>(target);
  auto loaded = driver->loaded;
  context.driver = std::move(driver);
  nnrt_model_t *model = nullptr;
  nnrt_status_t s = nnrt_model_load(&context, kMlp.c_str(), &model);
  EXPECT_EQ(s, nullptr) << (s ? nnrt_status_message(s) : "");
  if (s)
    nnrt_status_free(s);
  nnrt_model_release(model);
  return *loaded;
}

TEST(PlanChoice, CudaTakesTheCudaPlanAndItsPtx) {
  std::vector<nnc::rt::KernelBlob> cuda = kernelsFor("cuda");
  std::vector<nnc::rt::KernelBlob> vulkan = kernelsFor("vulkan");
  ASSERT_FALSE(cuda.empty());
  ASSERT_FALSE(vulkan.empty());
  // CUDA's set merges independent launches: fewer kernels than Vulkan's.
  EXPECT_LT(cuda.size(), vulkan.size());
  // Every CUDA kernel is an entry of the one PTX module it is given, and
  // the plan names each entry of it once.
  std::string ptx(cuda[0].code.begin(), cuda[0].code.end());
  std::set<std::string> entries;
  std::regex entry(R"(\.entry\s+([A-Za-z0-9_$]+)\s*\()");
  for (std::sregex_iterator it(ptx.begin(), ptx.end(), entry), end; it != end; ++it)
    entries.insert((*it)[1]);
  std::set<std::string> functions;
  for (const nnc::rt::KernelBlob &b : cuda) {
    EXPECT_EQ(b.module, "nnc_kernels");
    EXPECT_TRUE(entries.count(b.function)) << b.function << " is no .entry of the PTX";
    functions.insert(b.function);
  }
  EXPECT_EQ(functions, entries);
  // Vulkan's kernels are SPIR-V modules (magic 0x07230203).
  for (const nnc::rt::KernelBlob &b : vulkan) {
    ASSERT_GE(b.code.size(), 4u);
    EXPECT_EQ(b.code[0], 0x03);
    EXPECT_EQ(b.code[3], 0x07);
  }
}

} // namespace
