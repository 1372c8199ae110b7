// CudaDriverTest: the CUDA driver's parameter packing against real NVPTX
// entry signatures, and (where a GPU exists) the driver itself.
#include "runtime/drivers/Driver.h"
#include "runtime/drivers/cuda/CudaParams.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace nnc::rt;
using nnc::rt::cuda::checkLaunchShape;
using nnc::rt::cuda::CudaBuffer;
using nnc::rt::cuda::PackedParams;
using nnc::rt::cuda::packKernelParams;
using nnc::rt::cuda::parsePtxEntryParams;

namespace {

KernelArg memref(DeviceBuffer *buffer, uint64_t byteOffset, uint64_t byteSize,
                 int64_t offset, std::vector<int64_t> sizes,
                 std::vector<int64_t> strides) {
  KernelArg a;
  a.kind = KernelArg::Kind::Memref;
  a.buffer = buffer;
  a.byteOffset = byteOffset;
  a.byteSize = byteSize;
  a.offset = offset;
  a.sizes = std::move(sizes);
  a.strides = std::move(strides);
  return a;
}

KernelArg scalar(ScalarType type, int64_t value) {
  KernelArg a;
  a.kind = KernelArg::Kind::Scalar;
  a.scalarType = type;
  a.value = value;
  return a;
}

uint64_t paramValue(const PackedParams &p, size_t i) {
  uint64_t v = 0;
  std::memcpy(&v, p.pointers[i], p.sizes[i]); // little-endian host
  return v;
}

int64_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

void expectWellFormed(const PackedParams &p) {
  ASSERT_EQ(p.pointers.size(), p.sizes.size());
  ASSERT_EQ(p.offsets.size(), p.sizes.size());
  for (size_t i = 0; i < p.sizes.size(); ++i) {
    EXPECT_EQ(p.offsets[i] % p.sizes[i], 0u) << "parameter " << i;
    EXPECT_EQ(p.pointers[i], p.storage.data() + p.offsets[i]);
    EXPECT_LE(p.offsets[i] + p.sizes[i], p.storage.size());
  }
}

// ---- packing (no GPU) -------------------------------------------------------

TEST(CudaParams, Rank2MemrefExpandsIntoItsDescriptor) {
  CudaBuffer buf;
  buf.ptr = 0x7f0000100000ull;
  buf.size = 4096;
  PackedParams p;
  ASSERT_TRUE(
      packKernelParams({memref(&buf, 256, 1024, 3, {5, 7}, {9, 1})}, p).ok());
  expectWellFormed(p);
  ASSERT_EQ(p.sizes, std::vector<uint32_t>(7, 8));
  EXPECT_EQ(paramValue(p, 0), buf.ptr + 256); // allocated
  EXPECT_EQ(paramValue(p, 1), buf.ptr + 256); // aligned
  EXPECT_EQ(paramValue(p, 2), 3u);            // offset
  EXPECT_EQ(paramValue(p, 3), 5u);            // sizes
  EXPECT_EQ(paramValue(p, 4), 7u);
  EXPECT_EQ(paramValue(p, 5), 9u); // strides
  EXPECT_EQ(paramValue(p, 6), 1u);
}

TEST(CudaParams, Rank0MemrefIsPointersAndOffset) {
  CudaBuffer buf;
  buf.ptr = 0x1000;
  buf.size = 4;
  PackedParams p;
  ASSERT_TRUE(packKernelParams({memref(&buf, 0, 4, 0, {}, {})}, p).ok());
  EXPECT_EQ(p.sizes, std::vector<uint32_t>(3, 8));
}

TEST(CudaParams, ScalarsTakeTheirNaturalSizeAndAlignment) {
  PackedParams p;
  ASSERT_TRUE(
      packKernelParams(
          {scalar(ScalarType::I8, -2), scalar(ScalarType::F32, floatBits(1.5f)),
           scalar(ScalarType::I16, 0x1234),
           scalar(ScalarType::Index, 1ll << 40), scalar(ScalarType::I1, 1),
           scalar(ScalarType::F16, 0x3c00), scalar(ScalarType::I32, -7),
           scalar(ScalarType::F64, 0x4000000000000000ll)},
          p)
          .ok());
  expectWellFormed(p);
  EXPECT_EQ(p.sizes, (std::vector<uint32_t>{1, 4, 2, 8, 1, 2, 4, 8}));
  EXPECT_EQ(p.offsets, (std::vector<uint32_t>{0, 4, 8, 16, 24, 26, 28, 32}));
  EXPECT_EQ(paramValue(p, 0), 0xfeu);
  float f;
  std::memcpy(&f, p.pointers[1], 4);
  EXPECT_EQ(f, 1.5f);
  EXPECT_EQ(paramValue(p, 2), 0x1234u);
  EXPECT_EQ(paramValue(p, 3), 1ull << 40); // index is i64 in PTX
  EXPECT_EQ(paramValue(p, 4), 1u);
  EXPECT_EQ(paramValue(p, 5), 0x3c00u);
  EXPECT_EQ(paramValue(p, 6), 0xfffffff9u);
  EXPECT_EQ(paramValue(p, 7), 0x4000000000000000ull);
}

TEST(CudaParams, MalformedMemrefsAreErrorsNotCrashes) {
  CudaBuffer buf;
  buf.ptr = 0x1000;
  buf.size = 256;
  PackedParams p;
  DriverStatus s = packKernelParams({memref(&buf, 0, 256, 0, {4, 4}, {4})}, p);
  EXPECT_NE(s.message.find("argument 0"), std::string::npos) << s.message;
  s = packKernelParams(
      {scalar(ScalarType::Index, 1), memref(&buf, 256, 4, 0, {1}, {1})}, p);
  EXPECT_NE(s.message.find("argument 1"), std::string::npos) << s.message;
  s = packKernelParams({memref(nullptr, 0, 16, 0, {4}, {1})}, p);
  EXPECT_FALSE(s.ok());
  struct OtherBuffer : DeviceBuffer {
  } other;
  other.size = 256;
  s = packKernelParams({memref(&other, 0, 16, 0, {4}, {1})}, p);
  EXPECT_NE(s.message.find("not a CUDA allocation"), std::string::npos);
}

// ---- PTX entry signatures (no GPU)
// -------------------------------------------

TEST(CudaParams, ParsesPtxEntryParameterLists) {
  const std::string ptx =
      ".visible .entry other(\n\t.param .u32 other_param_0\n)"
      "{}\n.visible .entry k(\n"
      "\t.param .u64 .ptr .align 1 k_param_0,\n"
      "\t.param .f32 k_param_1,\n"
      "\t.param .align 2 .b8 k_param_2[2],\n"
      "\t.param .u8 k_param_3\n)\n{\n}\n"
      ".entry empty()\n{\n}\n";
  std::vector<uint32_t> sizes;
  std::string error;
  ASSERT_TRUE(parsePtxEntryParams(ptx, "k", sizes, error)) << error;
  EXPECT_EQ(sizes, (std::vector<uint32_t>{8, 4, 2, 1}));
  ASSERT_TRUE(parsePtxEntryParams(ptx, "other", sizes, error)) << error;
  EXPECT_EQ(sizes, (std::vector<uint32_t>{4}));
  ASSERT_TRUE(parsePtxEntryParams(ptx, "empty", sizes, error)) << error;
  EXPECT_TRUE(sizes.empty());
  EXPECT_FALSE(parsePtxEntryParams(ptx, "missing", sizes, error));
  EXPECT_NE(error.find("missing"), std::string::npos);
  EXPECT_FALSE(
      parsePtxEntryParams(".entry k(.param .weird x)", "k", sizes, error));
}

#ifdef NNRT_CUDA_PTX_DIR
std::vector<uint32_t> entryParams(const std::string &file,
                                  const std::string &entry) {
  std::string ptx, error;
  std::vector<uint32_t> sizes;
  EXPECT_TRUE(readFile(std::string(NNRT_CUDA_PTX_DIR) + "/" + file, ptx))
      << file;
  EXPECT_TRUE(parsePtxEntryParams(ptx, entry, sizes, error)) << error;
  return sizes;
}

// The kernels below come from nnc-opt at build time, so these fail if MLIR's
// GPU-to-NVVM calling convention ever changes.
TEST(CudaParams, MatchesTheNvptxSignatureOfAnOutlinedAdd) {
  CudaBuffer buf;
  buf.size = 1 << 20;
  std::vector<KernelArg> args = {memref(&buf, 0, 160, 0, {10, 4}, {4, 1}),
                                 memref(&buf, 256, 16, 0, {4}, {1}),
                                 memref(&buf, 512, 160, 0, {10, 4}, {4, 1}),
                                 scalar(ScalarType::Index, 40)};
  PackedParams p;
  ASSERT_TRUE(packKernelParams(args, p).ok());
  std::vector<uint32_t> expected =
      entryParams("add_relu/add_relu_kernel.ptx", "add_relu_kernel");
  EXPECT_EQ(expected.size(), 20u); // 7 + 5 + 7 + 1
  EXPECT_EQ(p.sizes, expected);

  args.erase(args.begin() + 1); // the relu: (memref, memref, index)
  ASSERT_TRUE(packKernelParams(args, p).ok());
  EXPECT_EQ(p.sizes,
            entryParams("add_relu/add_relu_kernel_0.ptx", "add_relu_kernel"));
}

TEST(CudaParams, MatchesTheNvptxSignatureForEveryScalarKind) {
  CudaBuffer buf;
  buf.size = 1 << 20;
  std::vector<KernelArg> args = {memref(&buf, 0, 64, 2, {3, 4}, {5, 1}),
                                 scalar(ScalarType::F32, floatBits(2.0f)),
                                 scalar(ScalarType::I32, 1),
                                 scalar(ScalarType::F16, 0x3c00),
                                 scalar(ScalarType::BF16, 0x3f80),
                                 scalar(ScalarType::I1, 1),
                                 scalar(ScalarType::I8, 1),
                                 scalar(ScalarType::I16, 1),
                                 scalar(ScalarType::I64, 1),
                                 scalar(ScalarType::F64, 0),
                                 scalar(ScalarType::Index, 0)};
  PackedParams p;
  ASSERT_TRUE(packKernelParams(args, p).ok());
  std::vector<uint32_t> expected =
      entryParams("params/params_kernel.ptx", "params_kernel");
  EXPECT_EQ(expected.size(), 17u);
  EXPECT_EQ(p.sizes, expected);
}
#endif

// ---- launch shapes (no GPU)
// ----------------------------------------------------

TEST(CudaParams, LaunchShapeLimitsAreClearErrors) {
  cuda::LaunchLimits limits;
  uint64_t grid[3] = {1, 65536, 1}, block[3] = {256, 1, 1};
  DriverStatus s = checkLaunchShape(grid, block, limits, "forward_kernel_3");
  EXPECT_NE(s.message.find("grid.y = 65536"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("forward_kernel_3"), std::string::npos);
  grid[1] = 65535;
  EXPECT_TRUE(checkLaunchShape(grid, block, limits, "k").ok());
  uint64_t big[3] = {512, 4, 1};
  s = checkLaunchShape(grid, big, limits, "k");
  EXPECT_NE(s.message.find("2048 threads"), std::string::npos) << s.message;
  uint64_t zeroBlock[3] = {0, 1, 1};
  EXPECT_FALSE(checkLaunchShape(grid, zeroBlock, limits, "k").ok());
  uint64_t empty[3] = {0, 70000, 1}; // nothing to run: skipped, not an error
  EXPECT_TRUE(checkLaunchShape(empty, block, limits, "k").ok());
}

// ---- the driver
// ------------------------------------------------------------------

TEST(CudaDriver, MissingLibcudaIsAClearError) {
  if (void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
    dlclose(lib);
    GTEST_SKIP() << "libcuda.so.1 is present";
  }
  std::unique_ptr<Driver> driver;
  DriverStatus s = createCudaDriver(0, driver);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(driver, nullptr);
  EXPECT_NE(s.message.find("libcuda.so.1"), std::string::npos) << s.message;
  EXPECT_EQ(s.message.rfind("cuda: ", 0), 0u) << s.message;
}

class CudaDevice : public ::testing::Test {
protected:
  void SetUp() override {
    DriverStatus s = createCudaDriver(0, driver);
    if (!s.ok())
      GTEST_SKIP() << s.message;
  }
  std::unique_ptr<Driver> driver;
};

TEST_F(CudaDevice, NamesItself) {
  EXPECT_STREQ(driver->target(), "cuda");
  EXPECT_EQ(driver->deviceName().rfind("cuda: ", 0), 0u);
  EXPECT_NE(driver->deviceName().find("(sm_"), std::string::npos);
  std::unique_ptr<Driver> none;
  DriverStatus s = createCudaDriver(1000, none);
  EXPECT_NE(s.message.find("1000"), std::string::npos) << s.message;
}

TEST_F(CudaDevice, AllocateWriteReadRoundTrip) {
  std::unique_ptr<DeviceBuffer> buf, empty;
  ASSERT_TRUE(driver->allocate(4096, buf).ok());
  ASSERT_TRUE(driver->allocate(0, empty).ok());
  EXPECT_EQ(empty->size, 0u);
  EXPECT_TRUE(driver->write(*empty, 0, nullptr, 0).ok());
  std::vector<uint8_t> in(1000), out(1000, 0);
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = static_cast<uint8_t>(i * 7 + 3);
  ASSERT_TRUE(driver->write(*buf, 100, in.data(), in.size()).ok());
  ASSERT_TRUE(driver->read(*buf, 100, out.data(), out.size()).ok());
  EXPECT_EQ(in, out);
  EXPECT_FALSE(driver->write(*buf, 4000, in.data(), 100).ok());
  EXPECT_FALSE(driver->read(*buf, 4097, out.data(), 0).ok());
}

TEST_F(CudaDevice, GarbagePtxReportsTheJitError) {
  KernelBlob blob;
  blob.module = "broken_kernel_7";
  blob.function = "broken_kernel";
  std::string text = ".version 8.0\n.target sm_80\n.address_size 64\n"
                     ".visible .entry broken_kernel() { this is not ptx; }\n";
  blob.code.assign(text.begin(), text.end()); // no trailing NUL
  std::unique_ptr<Program> program;
  DriverStatus s = driver->loadKernels({blob}, program);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(program, nullptr);
  EXPECT_NE(s.message.find("broken_kernel_7"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("CUDA_ERROR_"), std::string::npos) << s.message;
}

#ifdef NNRT_CUDA_PTX_DIR
TEST_F(CudaDevice, RunsAddReluOverADynamicBatch) {
  std::vector<KernelBlob> blobs(2);
  for (int i = 0; i < 2; ++i) {
    std::string module = i == 0 ? "add_relu_kernel" : "add_relu_kernel_0", ptx;
    ASSERT_TRUE(readFile(
        std::string(NNRT_CUDA_PTX_DIR) + "/add_relu/" + module + ".ptx", ptx));
    blobs[i].module = module;
    blobs[i].function = "add_relu_kernel";
    blobs[i].code.assign(ptx.begin(), ptx.end());
  }
  std::unique_ptr<Program> program;
  DriverStatus s = driver->loadKernels(blobs, program);
  ASSERT_TRUE(s.ok()) << s.message;

  // One arena holding x, b, the sum and the result at 256-byte offsets.
  const int64_t batch = 1000; // four blocks of 256 rows, the last partial
  const uint64_t xBytes = batch * 4 * 4, xAt = 0, bAt = 16128, sumAt = 16384,
                 outAt = 32512, arena = 48640;
  std::vector<float> x(batch * 4), b = {0.5f, -1.0f, 2.0f, -3.0f};
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(static_cast<int>(i % 13) - 6) * 0.25f;
  std::unique_ptr<DeviceBuffer> buf, copy;
  ASSERT_TRUE(driver->allocate(arena, buf).ok());
  ASSERT_TRUE(driver->allocate(xBytes, copy).ok());
  ASSERT_TRUE(driver->write(*buf, xAt, x.data(), xBytes).ok());
  ASSERT_TRUE(driver->write(*buf, bAt, b.data(), 16).ok());

  Command add, relu, skipped, copyOut;
  add.kernel = 0;
  // Each kernel walks the 4 B elements, 256 threads per workgroup.
  add.grid[0] = (batch * 4 + 255) / 256;
  add.block[0] = 256;
  add.args = {memref(buf.get(), xAt, xBytes, 0, {batch, 4}, {4, 1}),
              memref(buf.get(), bAt, 16, 0, {4}, {1}),
              memref(buf.get(), sumAt, xBytes, 0, {batch, 4}, {4, 1}),
              scalar(ScalarType::Index, batch * 4)};
  relu = add;
  relu.kernel = 1;
  relu.args = {memref(buf.get(), sumAt, xBytes, 0, {batch, 4}, {4, 1}),
               memref(buf.get(), outAt, xBytes, 0, {batch, 4}, {4, 1}),
               scalar(ScalarType::Index, batch * 4)};
  skipped = relu; // a zero-sized grid: never launched
  skipped.grid[0] = 0;
  skipped.args.clear();
  copyOut.kind = Command::Kind::Copy;
  copyOut.src = buf.get();
  copyOut.srcOffset = outAt;
  copyOut.dst = copy.get();
  copyOut.bytes = xBytes;
  s = driver->execute(*program, {add, skipped, relu, copyOut});
  ASSERT_TRUE(s.ok()) << s.message;

  std::vector<float> out(x.size());
  ASSERT_TRUE(driver->read(*copy, 0, out.data(), xBytes).ok());
  for (int64_t r = 0; r < batch; ++r)
    for (int c = 0; c < 4; ++c)
      ASSERT_EQ(out[r * 4 + c], std::max(0.0f, x[r * 4 + c] + b[c]))
          << "row " << r << " column " << c;

  // A launch whose arguments do not fit the entry is refused, not run.
  Command wrong = relu;
  wrong.args.pop_back();
  s = driver->execute(*program, {wrong});
  EXPECT_NE(s.message.find("add_relu_kernel_0"), std::string::npos)
      << s.message;
  // Beyond the device's grid limit.
  Command huge = relu;
  huge.grid[1] = 1u << 20;
  s = driver->execute(*program, {huge});
  EXPECT_NE(s.message.find("grid.y"), std::string::npos) << s.message;
  program.reset(); // programs and buffers go before the driver
}
#endif

} // namespace
