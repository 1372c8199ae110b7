// Tests of the Vulkan driver on the device present (lavapipe in CI); each
// test skips with the driver's message where no Vulkan device can be opened.
#include "runtime/drivers/vulkan/VulkanDriver.h"
#include "runtime/drivers/Driver.h"
#include "runtime/drivers/vulkan/SpirvInfo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

using namespace nnc::rt;

namespace {

// Opens device 0; NNRT_VULKAN_STAGING=1 forces the staging transfer path.
DriverStatus openDriver(bool staging, std::unique_ptr<Driver> &out) {
  if (staging)
    setenv("NNRT_VULKAN_STAGING", "1", 1);
  else
    unsetenv("NNRT_VULKAN_STAGING");
  DriverStatus status = createVulkanDriver(0, out);
  unsetenv("NNRT_VULKAN_STAGING");
  return status;
}

#define OPEN_OR_SKIP(staging, driver)                                          \
  std::unique_ptr<Driver> driver;                                              \
  if (DriverStatus s = openDriver(staging, driver); !s.ok())                   \
  GTEST_SKIP() << s.message

// The SPIR-V of gpu.module `module` compiled from kernels/<file>.mlir, with
// the capabilities it declares, as the model file would list them.
bool loadBlob(const std::string &file, const std::string &module,
              const std::string &function, KernelBlob &blob) {
#ifdef NNRT_VK_KERNEL_DIR
  std::ifstream in(std::string(NNRT_VK_KERNEL_DIR) + "/" + file + "/" + module +
                       ".spv",
                   std::ios::binary);
  if (!in)
    return false;
  blob.module = module;
  blob.function = function;
  blob.code.assign(std::istreambuf_iterator<char>(in), {});
  vk::SpirvInfo info;
  if (!vk::parseSpirv(blob.code, info).empty())
    return false;
  blob.capabilities = info.capabilities;
  return true;
#else
  (void)file, (void)module, (void)function, (void)blob;
  return false;
#endif
}

#define LOAD_OR_SKIP(file, module, function, blob)                             \
  KernelBlob blob;                                                             \
  if (!loadBlob(file, module, function, blob))                                 \
  GTEST_SKIP() << "no " file "/" module ".spv (built without nnc-opt?)"

KernelArg memref(DeviceBuffer *buffer, uint64_t bytes, uint64_t offset = 0) {
  KernelArg a;
  a.kind = KernelArg::Kind::Memref;
  a.buffer = buffer;
  a.byteOffset = offset;
  a.byteSize = bytes;
  return a;
}

KernelArg scalar(int64_t value, ScalarType type = ScalarType::Index) {
  KernelArg a;
  a.kind = KernelArg::Kind::Scalar;
  a.scalarType = type;
  a.value = value;
  return a;
}

Command launch(uint32_t kernel, uint64_t gx, uint64_t gy, uint64_t gz,
               std::vector<KernelArg> args) {
  Command c;
  c.kind = Command::Kind::Launch;
  c.kernel = kernel;
  c.grid[0] = gx, c.grid[1] = gy, c.grid[2] = gz;
  c.args = std::move(args);
  return c;
}

std::vector<float> randomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

double maxRelError(const std::vector<float> &got,
                   const std::vector<double> &want) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, std::abs(got[i] - want[i]) /
                                std::max(1e-6, std::abs(want[i])));
  return worst;
}

uint64_t ceilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

class VulkanDriverTest : public ::testing::TestWithParam<bool> {};

TEST_P(VulkanDriverTest, OpensADeviceWithANameAndTarget) {
  OPEN_OR_SKIP(GetParam(), driver);
  EXPECT_EQ(std::string(driver->target()), "vulkan");
  std::string name = driver->deviceName();
  EXPECT_EQ(name.rfind("vulkan: ", 0), 0u) << name;
  EXPECT_GT(name.size(), std::strlen("vulkan: "));
  const vk::Features &f = static_cast<vk::VulkanDriver &>(*driver).features();
  std::printf("%s: int64=%d int16=%d int8=%d float16=%d float64=%d "
              "int64Atomics=%d storageBuffer16=%d uniformAndStorageBuffer16=%d "
              "storageBuffer8=%d uniformAndStorageBuffer8=%d "
              "variablePointersStorageBuffer=%d vulkanMemoryModel=%d "
              "subgroupOps=0x%x\n",
              name.c_str(), f.int64, f.int16, f.int8, f.float16, f.float64,
              f.int64Atomics, f.storageBuffer16, f.uniformAndStorageBuffer16,
              f.storageBuffer8, f.uniformAndStorageBuffer8,
              f.variablePointersStorageBuffer, f.vulkanMemoryModel,
              static_cast<unsigned>(f.subgroupOps));
}

TEST_P(VulkanDriverTest, OrdinalOutOfRangeIsAnError) {
  OPEN_OR_SKIP(GetParam(), driver);
  std::unique_ptr<Driver> none;
  DriverStatus s = createVulkanDriver(1000, none);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message.find("out of range"), std::string::npos) << s.message;
  EXPECT_EQ(none, nullptr);
}

TEST_P(VulkanDriverTest, WriteReadRoundTripsAtOddSizesAndOffsets) {
  OPEN_OR_SKIP(GetParam(), driver);
  std::mt19937 rng(7);
  for (uint64_t size : {0ull, 1ull, 3ull, 7ull, 1000ull, 65537ull,
                        (17ull << 20) + 5}) { // the last spans two chunks
    std::unique_ptr<DeviceBuffer> buf;
    ASSERT_TRUE(driver->allocate(size, buf).ok());
    EXPECT_EQ(buf->size, size);
    std::vector<uint8_t> whole(size), part(size / 3 + (size > 0));
    for (uint8_t &b : whole)
      b = static_cast<uint8_t>(rng());
    for (uint8_t &b : part)
      b = static_cast<uint8_t>(rng());
    ASSERT_TRUE(driver->write(*buf, 0, whole.data(), size).ok());
    uint64_t offset = size - part.size() - (size > 2);
    if (size == 0)
      offset = 0, part.clear();
    ASSERT_TRUE(driver->write(*buf, offset, part.data(), part.size()).ok());
    std::copy(part.begin(), part.end(), whole.begin() + offset);
    std::vector<uint8_t> back(size, 0xAB);
    ASSERT_TRUE(driver->read(*buf, 0, back.data(), size).ok());
    EXPECT_EQ(back, whole) << "size " << size;
    if (size > 2) {
      uint8_t middle[2];
      ASSERT_TRUE(driver->read(*buf, size / 2, middle, 2).ok());
      EXPECT_EQ(middle[0], whole[size / 2]);
      EXPECT_EQ(middle[1], whole[size / 2 + 1]);
    }
    uint8_t one = 0;
    DriverStatus over = driver->read(*buf, size, &one, 1);
    EXPECT_NE(over.message.find("overruns"), std::string::npos) << over.message;
  }
}

// add + relu over a dynamic batch, as two kernels (the second reads the
// first's output, so a missing barrier shows), into views of one arena at
// non-zero offsets; run on several batches with buffers reallocated between
// executes of the same program.
TEST_P(VulkanDriverTest, AddReluOverADynamicBatchMatchesTheHost) {
  OPEN_OR_SKIP(GetParam(), driver);
  LOAD_OR_SKIP("add_relu", "add_relu_kernel", "add_relu_kernel", add);
  LOAD_OR_SKIP("add_relu", "add_relu_kernel_0", "add_relu_kernel", relu);
  std::unique_ptr<Program> program;
  DriverStatus loaded = driver->loadKernels({add, relu}, program);
  ASSERT_TRUE(loaded.ok()) << loaded.message;

  for (uint64_t n : {1000ull, 1ull, 517ull, 0ull}) {
    std::vector<float> x = randomFloats(n * 4, 11 + n), b = randomFloats(4, 3);
    uint64_t bytes = n * 16, padded = (bytes + 255) / 256 * 256;
    std::unique_ptr<DeviceBuffer> dx, db, arena;
    ASSERT_TRUE(driver->allocate(bytes, dx).ok());
    ASSERT_TRUE(driver->allocate(16, db).ok());
    ASSERT_TRUE(driver->allocate(256 + padded + bytes, arena).ok());
    ASSERT_TRUE(driver->write(*dx, 0, x.data(), bytes).ok());
    ASSERT_TRUE(driver->write(*db, 0, b.data(), 16).ok());
    KernelArg tmp = memref(arena.get(), bytes, 256);
    KernelArg out = memref(arena.get(), bytes, 256 + padded);
    // Each kernel walks the 4 n elements, 256 threads per workgroup.
    uint64_t blocks = ceilDiv(n * 4, 256);
    DriverStatus ran = driver->execute(
        *program, {launch(0, blocks, 1, 1,
                          {memref(dx.get(), bytes), memref(db.get(), 16), tmp,
                           scalar(n * 4)}),
                   launch(1, blocks, 1, 1, {tmp, out, scalar(n * 4)})});
    ASSERT_TRUE(ran.ok()) << ran.message;
    std::vector<float> got(n * 4);
    ASSERT_TRUE(driver->read(*arena, 256 + padded, got.data(), bytes).ok());
    std::vector<double> want(n * 4);
    for (uint64_t i = 0; i < n * 4; ++i)
      want[i] = std::max(0.0, double(x[i]) + double(b[i % 4]));
    EXPECT_LT(maxRelError(got, want), 1e-6) << "batch " << n;
  }
}

TEST_P(VulkanDriverTest, MatmulMatchesTheHost) {
  OPEN_OR_SKIP(GetParam(), driver);
  LOAD_OR_SKIP("matmul", "matmul_kernel", "matmul_kernel", mul);
  std::unique_ptr<Program> program;
  DriverStatus loaded = driver->loadKernels({mul}, program);
  ASSERT_TRUE(loaded.ok()) << loaded.message;
  std::vector<float> x = randomFloats(8 * 16, 1), w = randomFloats(16 * 32, 2);
  std::unique_ptr<DeviceBuffer> dx, dw, dy;
  ASSERT_TRUE(driver->allocate(x.size() * 4, dx).ok());
  ASSERT_TRUE(driver->allocate(w.size() * 4, dw).ok());
  ASSERT_TRUE(driver->allocate(8 * 32 * 4, dy).ok());
  // The kernel starts from the fill's zero, never from what y held.
  std::vector<float> garbage(8 * 32, 1e30f);
  ASSERT_TRUE(driver->write(*dy, 0, garbage.data(), 8 * 32 * 4).ok());
  ASSERT_TRUE(driver->write(*dx, 0, x.data(), x.size() * 4).ok());
  ASSERT_TRUE(driver->write(*dw, 0, w.data(), w.size() * 4).ok());
  KernelArg y = memref(dy.get(), 8 * 32 * 4);
  DriverStatus ran =
      // The register-tiled contraction (nnc-gpu-tile-contraction): one
      // workgroup of 4 threads for 8 x 32 outputs, x and w before y.
      driver->execute(*program, {launch(0, 1, 1, 1,
                                        {memref(dx.get(), x.size() * 4),
                                         memref(dw.get(), w.size() * 4), y})});
  ASSERT_TRUE(ran.ok()) << ran.message;
  std::vector<float> got(8 * 32);
  ASSERT_TRUE(driver->read(*dy, 0, got.data(), got.size() * 4).ok());
  std::vector<double> want(8 * 32, 0.0);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 32; ++j)
      for (int k = 0; k < 16; ++k)
        want[i * 32 + j] += double(x[i * 16 + k]) * w[k * 32 + j];
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, std::abs(got[i] - want[i]));
  EXPECT_LT(worst, 1e-5); // absolute: sums of 16 terms can be near zero
}

// argmax writes i64 indices: the kernels declare Int64.
TEST_P(VulkanDriverTest, ArgmaxWritesInt64Indices) {
  OPEN_OR_SKIP(GetParam(), driver);
  // One kernel: a thread per row folds its 8 values in registers from the
  // fills' values (nnc-gpu-tile-reduction); only the index is stored (the
  // running maximum is never read).
  LOAD_OR_SKIP("argmax", "argmax_kernel", "argmax_kernel", reduce);
  ASSERT_NE(std::find(reduce.capabilities.begin(), reduce.capabilities.end(),
                      "Int64"),
            reduce.capabilities.end());
  std::unique_ptr<Program> program;
  DriverStatus loaded = driver->loadKernels({reduce}, program);
  if (!static_cast<vk::VulkanDriver &>(*driver).features().int64) {
    EXPECT_NE(loaded.message.find("Int64"), std::string::npos);
    GTEST_SKIP() << loaded.message;
  }
  ASSERT_TRUE(loaded.ok()) << loaded.message;
  const uint64_t n = 300;
  std::vector<float> x = randomFloats(n * 8, 5);
  std::unique_ptr<DeviceBuffer> dx, didx;
  ASSERT_TRUE(driver->allocate(n * 32, dx).ok());
  ASSERT_TRUE(driver->allocate(n * 8, didx).ok());
  ASSERT_TRUE(driver->write(*dx, 0, x.data(), n * 32).ok());
  std::vector<int64_t> garbage(n, -1234567890123ll);
  ASSERT_TRUE(driver->write(*didx, 0, garbage.data(), n * 8).ok());
  DriverStatus ran = driver->execute(
      *program, {launch(0, ceilDiv(n, 256), 1, 1,
                        {memref(dx.get(), n * 32), memref(didx.get(), n * 8),
                         scalar(n)})});
  ASSERT_TRUE(ran.ok()) << ran.message;
  std::vector<int64_t> got(n);
  ASSERT_TRUE(driver->read(*didx, 0, got.data(), n * 8).ok());
  for (uint64_t r = 0; r < n; ++r) {
    const float *row = &x[r * 8];
    int64_t want = std::max_element(row, row + 8) - row;
    ASSERT_EQ(got[r], want) << "row " << r;
  }
}

TEST_P(VulkanDriverTest, CopyCommandMovesBytesBetweenBuffers) {
  OPEN_OR_SKIP(GetParam(), driver);
  std::unique_ptr<Program> program;
  ASSERT_TRUE(driver->loadKernels({}, program).ok());
  std::vector<uint8_t> a(999), b(999, 0);
  std::mt19937 rng(3);
  for (uint8_t &v : a)
    v = static_cast<uint8_t>(rng());
  std::unique_ptr<DeviceBuffer> da, db;
  ASSERT_TRUE(driver->allocate(a.size(), da).ok());
  ASSERT_TRUE(driver->allocate(b.size(), db).ok());
  ASSERT_TRUE(driver->write(*da, 0, a.data(), a.size()).ok());
  ASSERT_TRUE(driver->write(*db, 0, b.data(), b.size()).ok());
  Command copy;
  copy.kind = Command::Kind::Copy;
  copy.src = da.get(), copy.dst = db.get();
  copy.srcOffset = 5, copy.dstOffset = 3, copy.bytes = 700;
  Command back = copy; // then within b, from the copied bytes onwards
  back.src = db.get(), back.srcOffset = 3, back.dstOffset = 703,
  back.bytes = 296;
  DriverStatus ran = driver->execute(*program, {copy, back});
  ASSERT_TRUE(ran.ok()) << ran.message;
  std::copy(a.begin() + 5, a.begin() + 705, b.begin() + 3);
  std::copy(b.begin() + 3, b.begin() + 299, b.begin() + 703);
  std::vector<uint8_t> got(b.size());
  ASSERT_TRUE(driver->read(*db, 0, got.data(), got.size()).ok());
  EXPECT_EQ(got, b);

  Command overlap = copy;
  overlap.src = overlap.dst = da.get();
  overlap.srcOffset = 0, overlap.dstOffset = 10, overlap.bytes = 20;
  EXPECT_NE(driver->execute(*program, {overlap}).message.find("overlap"),
            std::string::npos);
  Command past = copy;
  past.bytes = 1000;
  EXPECT_FALSE(driver->execute(*program, {past}).ok());
}

TEST_P(VulkanDriverTest, GarbageAndTruncatedBlobsAreRefused) {
  OPEN_OR_SKIP(GetParam(), driver);
  LOAD_OR_SKIP("add_relu", "add_relu_kernel", "add_relu_kernel", good);
  std::vector<KernelBlob> bad;
  std::mt19937 rng(99);
  KernelBlob random = good;
  for (uint8_t &b : random.code)
    b = static_cast<uint8_t>(rng());
  bad.push_back(random);
  KernelBlob magicThenNoise = random; // gets past the magic number check
  std::copy(good.code.begin(), good.code.begin() + 20,
            magicThenNoise.code.begin());
  bad.push_back(magicThenNoise);
  for (size_t keep : {size_t(0), size_t(3), size_t(20), good.code.size() / 2,
                      good.code.size() / 2 + 2, good.code.size() - 4}) {
    KernelBlob cut = good;
    cut.code.resize(keep);
    bad.push_back(cut);
  }
  KernelBlob wrongEntry = good;
  wrongEntry.function = "no_such_entry";
  bad.push_back(wrongEntry);
  for (const KernelBlob &blob : bad) {
    std::unique_ptr<Program> program;
    DriverStatus s = driver->loadKernels({good, blob}, program);
    EXPECT_FALSE(s.ok()) << "a blob of " << blob.code.size() << " bytes";
    EXPECT_NE(s.message.find(blob.module), std::string::npos) << s.message;
    EXPECT_EQ(program, nullptr);
  }
}

// Unknown capabilities are refused like missing ones (see
// VulkanDriver::supportsCapability); Kernel is OpenCL's, never Vulkan's.
TEST_P(VulkanDriverTest, KernelNeedingAMissingCapabilityIsRefused) {
  OPEN_OR_SKIP(GetParam(), driver);
  LOAD_OR_SKIP("add_relu", "add_relu_kernel", "add_relu_kernel", blob);
  for (const char *capability : {"Kernel", "NoSuchCapability"}) {
    KernelBlob needs = blob;
    needs.capabilities.push_back(capability);
    std::unique_ptr<Program> program;
    DriverStatus s = driver->loadKernels({needs}, program);
    EXPECT_NE(s.message.find(capability), std::string::npos) << s.message;
    EXPECT_NE(s.message.find("add_relu_kernel"), std::string::npos);
  }
}

// A subgroup capability the device lacks (lavapipe has no clustered
// subgroup operations) names the nnc flag that compiles reductions without
// subgroup operations.
TEST_P(VulkanDriverTest, MissingSubgroupCapabilityNamesTheNncFlag) {
  OPEN_OR_SKIP(GetParam(), driver);
  LOAD_OR_SKIP("add_relu", "add_relu_kernel", "add_relu_kernel", blob);
  const char *capability = "GroupNonUniformClustered";
  if (static_cast<vk::VulkanDriver &>(*driver).supportsCapability(capability))
    GTEST_SKIP() << "the device has " << capability;
  KernelBlob needs = blob;
  needs.capabilities.push_back(capability);
  std::unique_ptr<Program> program;
  DriverStatus s = driver->loadKernels({needs}, program);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message.find(capability), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("nnc --no-subgroup-ops"), std::string::npos)
      << s.message;
}

TEST_P(VulkanDriverTest, BadLaunchesAreErrors) {
  OPEN_OR_SKIP(GetParam(), driver);
  LOAD_OR_SKIP("add_relu", "add_relu_kernel_0", "add_relu_kernel", relu);
  std::unique_ptr<Program> program;
  ASSERT_TRUE(driver->loadKernels({relu}, program).ok());
  std::unique_ptr<DeviceBuffer> buf;
  ASSERT_TRUE(driver->allocate(4096, buf).ok());
  auto run = [&](Command c) { return driver->execute(*program, {c}).message; };
  KernelArg whole = memref(buf.get(), 1024);
  EXPECT_NE(
      run(launch(0, 1, 1, 1, {memref(buf.get(), 1024, 1), whole, scalar(256)}))
          .find("minStorageBufferOffsetAlignment"),
      std::string::npos);
  EXPECT_NE(run(launch(0, 1, 1, 1,
                       {memref(buf.get(), 1024, 3840), whole, scalar(256)}))
                .find("overrun"),
            std::string::npos);
  EXPECT_NE(run(launch(0, 1ull << 33, 1, 1, {whole, whole, scalar(256)}))
                .find("maxComputeWorkGroupCount"),
            std::string::npos);
  EXPECT_NE(run(launch(0, 1, 1, 1, {whole, scalar(256)})).find("arguments"),
            std::string::npos);
  EXPECT_NE(run(launch(7, 1, 1, 1, {})).find("out of range"),
            std::string::npos);
  EXPECT_NE(run(launch(0, 1, 1, 1, {whole, whole, scalar(1ll << 40)}))
                .find("32 bits"),
            std::string::npos);
  // An empty grid is skipped: its arguments are never bound.
  EXPECT_EQ(run(launch(0, 0, 1, 1, {})), "");
  // The driver still works after the errors.
  EXPECT_EQ(run(launch(0, 1, 1, 1, {whole, whole, scalar(256)})), "");
}

// A training loop: thousands of executes of one program, with buffers freed
// and reallocated now and then, must not exhaust pools or leak sets.
TEST_P(VulkanDriverTest, ManyExecutesReuseThePools) {
  OPEN_OR_SKIP(GetParam(), driver);
  LOAD_OR_SKIP("add_relu", "add_relu_kernel_0", "add_relu_kernel", relu);
  std::unique_ptr<Program> program;
  ASSERT_TRUE(driver->loadKernels({relu}, program).ok());
  std::unique_ptr<DeviceBuffer> a, b;
  std::vector<float> x = randomFloats(64 * 4, 8), got(64 * 4);
  for (int step = 0; step < 2000; ++step) {
    if (step % 250 == 0) {
      b.reset();
      ASSERT_TRUE(driver->allocate(1024, a).ok());
      ASSERT_TRUE(driver->allocate(1024, b).ok());
      ASSERT_TRUE(driver->write(*a, 0, x.data(), 1024).ok());
    }
    KernelArg in = memref(a.get(), 1024), out = memref(b.get(), 1024);
    std::vector<Command> commands(3, launch(0, 1, 1, 1, {in, out, scalar(256)}));
    DriverStatus ran = driver->execute(*program, commands);
    ASSERT_TRUE(ran.ok()) << "step " << step << ": " << ran.message;
  }
  ASSERT_TRUE(driver->read(*b, 0, got.data(), 1024).ok());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_EQ(got[i], std::max(0.0f, x[i]));
}

INSTANTIATE_TEST_SUITE_P(Transfers, VulkanDriverTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool> &info) {
                           return info.param ? "Staged" : "Mapped";
                         });

} // namespace
