// .npy/.npz: files written by NumPy, round trips, and corrupt inputs.
#include "reference/Npy.h"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace nnc::ref;

namespace {

std::string npyDir() { return std::string(NNC_GOLDEN_DIR) + "/npy/"; }

std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "nnc-ref-" + std::to_string(getpid()) + "-" + name;
}

std::vector<uint8_t> fileBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string &path, const std::vector<uint8_t> &b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(b.data()), b.size());
}

TEST(Npy, ReadsNumPyF32) {
  Tensor t;
  Status s = readNpy(npyDir() + "f32.npy", t);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(t.typeString(), "f32[2,3]");
  for (int i = 0; i < 6; ++i)
    EXPECT_DOUBLE_EQ(t.getDouble(i), i / 4.0 - 0.5);
}

TEST(Npy, ReadsEveryDType) {
  struct {
    const char *file, *type;
  } cases[] = {{"f16.npy", "f16[4]"}, {"i32.npy", "i32[2,2]"},
               {"i64.npy", "i64[3]"}, {"bool.npy", "bool[3]"},
               {"scalar.npy", "f32[]"}, {"empty.npy", "f32[0,3]"}};
  for (const auto &c : cases) {
    Tensor t;
    Status s = readNpy(npyDir() + c.file, t);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(t.typeString(), c.type) << c.file;
  }
  Tensor h, i, b, sc;
  ASSERT_TRUE(readNpy(npyDir() + "f16.npy", h).ok());
  EXPECT_EQ(h.getDouble(2), 65504.0);
  EXPECT_NEAR(h.getDouble(3), 5.96e-8, 1e-9); // the smallest subnormal
  ASSERT_TRUE(readNpy(npyDir() + "i32.npy", i).ok());
  EXPECT_EQ(i.getInt(3), -2147483648LL);
  ASSERT_TRUE(readNpy(npyDir() + "bool.npy", b).ok());
  EXPECT_EQ(b.getInt(1), 0);
  ASSERT_TRUE(readNpy(npyDir() + "scalar.npy", sc).ok());
  EXPECT_EQ(sc.getDouble(0), 3.5);
}

TEST(Npy, ReadsTheDTypesAddedForONNX) {
  Tensor t;
  ASSERT_TRUE(readNpy(npyDir() + "f64.npy", t).ok());
  EXPECT_EQ(t.typeString(), "f64[3]");
  EXPECT_EQ(t.getDouble(0), 0.1); // exact: no rounding through f32
  EXPECT_EQ(t.getDouble(1), -1e300);
  EXPECT_EQ(t.getDouble(2), 5e-324);
  struct {
    const char *name;
    int64_t values[3];
  } ints[] = {{"i8", {-128, 127, -1}},        {"i16", {-32768, 32767, -2}},
              {"u8", {0, 255, 7}},            {"u16", {0, 65535, 9}},
              {"u32", {0, 4294967295LL, 11}}, {"u64", {0, -1, INT64_MIN}}};
  for (const auto &c : ints) {
    Tensor i;
    Status s = readNpy(npyDir() + c.name + ".npy", i);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(i.typeString(), std::string(c.name) + "[3]");
    for (int k = 0; k < 3; ++k) // u64 values past INT64_MAX come back as bits
      EXPECT_EQ(i.getInt(k), c.values[k]) << c.name << "[" << k << "]";
  }
  Tensor u;
  ASSERT_TRUE(readNpy(npyDir() + "u64.npy", u).ok());
  EXPECT_EQ(u.getDouble(1), 18446744073709551615.0);
  EXPECT_EQ(u.getDouble(2), 9223372036854775808.0);
}

TEST(Npy, ReadsTheAddedDTypesFromNpz) {
  NamedTensors arrays;
  Status s = readNpz(npyDir() + "more.npz", arrays);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(arrays.size(), 7u);
  const char *order[] = {"f64", "i8", "i16", "u8", "u16", "u32", "u64"};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(arrays[i].first, order[i]);
    EXPECT_EQ(arrays[i].second.typeString(), std::string(order[i]) + "[3]");
  }
  EXPECT_EQ(arrays[4].second.getInt(1), 65535);
  EXPECT_EQ(arrays[0].second.getDouble(0), 0.1);
}

TEST(Npy, WritesTheAddedDTypesAsNumPyDoes) {
  struct {
    DType dtype;
    const char *descr;
  } cases[] = {{DType::F64, "<f8"}, {DType::I8, "|i1"},  {DType::I16, "<i2"},
               {DType::U8, "|u1"},  {DType::U16, "<u2"}, {DType::U32, "<u4"},
               {DType::U64, "<u8"}};
  for (const auto &c : cases) {
    std::string name = dtypeName(c.dtype);
    // NumPy's own file and ours hold the same header and the same bytes.
    std::vector<uint8_t> numpy = fileBytes(npyDir() + name + ".npy");
    Tensor t;
    ASSERT_TRUE(readNpy(npyDir() + name + ".npy", t).ok()) << name;
    std::vector<uint8_t> ours;
    ASSERT_TRUE(encodeNpy(t, ours).ok()) << name;
    std::string header(ours.begin() + 10,
                       ours.begin() + 10 + (ours[8] | ours[9] << 8));
    EXPECT_EQ(header.rfind(std::string("{'descr': '") + c.descr + "'", 0), 0u)
        << header;
    EXPECT_EQ(ours, numpy) << name;
  }
}

TEST(Npy, ReadsFormatVersions2And3) {
  for (const char *f : {"v2.npy", "v3.npy"}) {
    Tensor t;
    Status s = readNpy(npyDir() + f, t);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(t.typeString(), "f32[2,3]");
    EXPECT_EQ(t.getDouble(5), 0.75);
  }
}

TEST(Npy, RoundTripsEachDType) {
  for (DType d : {DType::F32, DType::F16, DType::I32, DType::I64, DType::Bool,
                  DType::F64, DType::I8, DType::I16, DType::U8, DType::U16,
                  DType::U32, DType::U64}) {
    Tensor t(d, {2, 3});
    for (int i = 0; i < 6; ++i)
      t.setDouble(i, i * 1.5 - 2);
    std::string p = tempPath(std::string(dtypeName(d)) + ".npy");
    ASSERT_TRUE(writeNpy(p, t).ok());
    Tensor back;
    Status s = readNpy(p, back);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(back.typeString(), t.typeString());
    EXPECT_EQ(back.bytes(), t.bytes());
    std::remove(p.c_str());
  }
}

TEST(Npy, RoundTripsZeroDAndOneD) {
  for (Shape shape : {Shape{}, Shape{5}, Shape{0}}) {
    Tensor t(DType::F32, shape);
    if (t.numel())
      t.setDouble(0, 4.25);
    std::string p = tempPath("shape.npy");
    ASSERT_TRUE(writeNpy(p, t).ok());
    Tensor back;
    ASSERT_TRUE(readNpy(p, back).ok());
    EXPECT_EQ(back.typeString(), t.typeString());
    EXPECT_EQ(back.bytes(), t.bytes());
    std::remove(p.c_str());
  }
}

TEST(Npy, WritesAHeaderNumPyAccepts) {
  Tensor t(DType::I64, {3});
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(encodeNpy(t, bytes).ok());
  std::string header(bytes.begin() + 10, bytes.begin() + 10 + (bytes[8] | bytes[9] << 8));
  EXPECT_EQ(header.rfind("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", 0), 0u);
  EXPECT_EQ((10 + header.size()) % 64, 0u);
  EXPECT_EQ(header.back(), '\n');
}

TEST(Npy, RejectsBF16) {
  std::vector<uint8_t> bytes;
  Status s = encodeNpy(Tensor(DType::BF16, {2}), bytes);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bf16"), std::string::npos);
}

void expectReadError(const std::string &path, const std::string &what) {
  Tensor t;
  Status s = readNpy(path, t);
  ASSERT_FALSE(s.ok()) << path;
  EXPECT_NE(s.message().find(what), std::string::npos) << s.message();
}

TEST(Npy, RejectsUnsupportedArrays) {
  expectReadError(npyDir() + "c8.npy", "'<c8'");
  expectReadError(npyDir() + "fortran.npy", "Fortran-order");
  expectReadError(npyDir() + "bigendian.npy", "big-endian");
  expectReadError(npyDir() + "missing.npy", "cannot read");
}

TEST(Npy, RejectsTruncatedAndCorruptFiles) {
  std::vector<uint8_t> good = fileBytes(npyDir() + "f32.npy");
  ASSERT_FALSE(good.empty());
  std::string p = tempPath("bad.npy");
  // Every truncation is an error, never a crash.
  for (size_t n = 0; n < good.size(); ++n) {
    writeBytes(p, std::vector<uint8_t>(good.begin(), good.begin() + n));
    Tensor t;
    EXPECT_FALSE(readNpy(p, t).ok()) << "truncated to " << n;
  }
  writeBytes(p, std::vector<uint8_t>(good.begin(), good.end() - 4));
  expectReadError(p, "truncated .npy data");
  std::vector<uint8_t> bad = good;
  bad[0] = 'X';
  writeBytes(p, bad);
  expectReadError(p, "bad magic");
  bad = good;
  bad[6] = 9;
  writeBytes(p, bad);
  expectReadError(p, "unsupported .npy format version 9");
  bad = good;
  bad[8] = 0xff; // header length past the end
  bad[9] = 0xff;
  writeBytes(p, bad);
  expectReadError(p, "truncated .npy header");
  // Scramble the header text.
  for (size_t i = 10; i < 60; ++i) {
    bad = good;
    bad[i] = '}';
    writeBytes(p, bad);
    Tensor t;
    (void)readNpy(p, t);
  }
  std::remove(p.c_str());
}

void expectNpzContents(const NamedTensors &got) {
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[0].first, "f32");
  EXPECT_EQ(got[0].second.typeString(), "f32[2,3]");
  EXPECT_EQ(got[0].second.getDouble(5), 0.75);
  EXPECT_EQ(got[5].first, "scalar");
  EXPECT_EQ(got[5].second.typeString(), "f32[]");
  EXPECT_EQ(got[6].second.typeString(), "f32[0,3]");
}

TEST(Npz, ReadsStoredNumPyArchive) {
  NamedTensors got;
  Status s = readNpz(npyDir() + "stored.npz", got);
  ASSERT_TRUE(s.ok()) << s.message();
  expectNpzContents(got);
}

TEST(Npz, ReadsDeflatedNumPyArchive) {
  NamedTensors got;
  Status s = readNpz(npyDir() + "deflated.npz", got);
  ASSERT_TRUE(s.ok()) << s.message();
  expectNpzContents(got);
}

TEST(Npz, RoundTrips) {
  NamedTensors in;
  Tensor a(DType::F32, {2, 2}), b(DType::I64, {}), c(DType::Bool, {3});
  a.setDouble(3, -1.5);
  b.setInt(0, 1LL << 40);
  c.setInt(1, 1);
  in.emplace_back("layer.w", a);
  in.emplace_back("step", b);
  in.emplace_back("mask", c);
  std::string p = tempPath("rt.npz");
  ASSERT_TRUE(writeNpz(p, in).ok());
  NamedTensors out;
  Status s = readNpz(p, out);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].first, in[i].first);
    EXPECT_EQ(out[i].second.typeString(), in[i].second.typeString());
    EXPECT_EQ(out[i].second.bytes(), in[i].second.bytes());
  }
  std::remove(p.c_str());
}

TEST(Npz, RejectsTruncatedAndCorruptArchives) {
  std::string p = tempPath("bad.npz");
  for (const char *name : {"stored.npz", "deflated.npz"}) {
    std::vector<uint8_t> good = fileBytes(npyDir() + name);
    for (size_t n = 0; n < good.size(); n += 3) {
      writeBytes(p, std::vector<uint8_t>(good.begin(), good.begin() + n));
      NamedTensors t;
      EXPECT_FALSE(readNpz(p, t).ok()) << name << " truncated to " << n;
    }
    // Flip bytes everywhere: never a crash; flips in data are CRC errors.
    for (size_t i = 0; i < good.size(); i += 11) {
      std::vector<uint8_t> bad = good;
      bad[i] ^= 0x41;
      writeBytes(p, bad);
      NamedTensors t;
      (void)readNpz(p, t);
    }
  }
  std::vector<uint8_t> good = fileBytes(npyDir() + "stored.npz");
  std::vector<uint8_t> bad = good;
  bad[100] ^= 0xff; // inside the first entry's .npy bytes
  writeBytes(p, bad);
  NamedTensors t;
  Status s = readNpz(p, t);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("corrupt"), std::string::npos) << s.message();
  writeBytes(p, std::vector<uint8_t>(good.begin(), good.end() - 30));
  s = readNpz(p, t);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("end-of-central-directory"), std::string::npos)
      << s.message();
  std::remove(p.c_str());
}

TEST(Npz, RejectsNonZipFiles) {
  NamedTensors t;
  Status s = readNpz(npyDir() + "f32.npy", t);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not a .npz file"), std::string::npos) << s.message();
}

} // namespace
