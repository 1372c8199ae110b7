// Unit tests of the .npy reader used by `load("file.npy")`.
#include "frontend/nn/NpyReader.h"

#include <gtest/gtest.h>

using namespace nnc::nnlang;

namespace {
std::string npy(const std::string &header, const std::string &data) {
  std::string h = header;
  size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h + data;
}
} // namespace

TEST(Npy, ReadsFloat32Matrix) {
  std::string data(2 * 3 * 4, '\0');
  NpyArray a;
  std::string err;
  ASSERT_TRUE(parseNpy(
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data),
      a, err))
      << err;
  EXPECT_EQ(a.dtype, "f32");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.data.size(), 24u);
}

TEST(Npy, ReadsScalarAndBool) {
  NpyArray a;
  std::string err;
  ASSERT_TRUE(parseNpy(
      npy("{'descr': '|b1', 'fortran_order': False, 'shape': (), }", "\x01"),
      a, err))
      << err;
  EXPECT_EQ(a.dtype, "bool");
  EXPECT_TRUE(a.shape.empty());
}

TEST(Npy, ReadsFloat64AndUnsigned) {
  NpyArray a;
  std::string err;
  ASSERT_TRUE(parseNpy(
      npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
          std::string(8, '\0')),
      a, err))
      << err;
  EXPECT_EQ(a.dtype, "f64");
  ASSERT_TRUE(parseNpy(
      npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }",
          std::string(2, '\xff')),
      a, err))
      << err;
  EXPECT_EQ(a.dtype, "u8");
}

TEST(Npy, RejectsComplex) {
  NpyArray a;
  std::string err;
  EXPECT_FALSE(parseNpy(
      npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
          std::string(8, '\0')),
      a, err));
  EXPECT_NE(err.find("unsupported .npy dtype '<c8'"), std::string::npos);
}

TEST(Npy, RejectsFortranOrder) {
  NpyArray a;
  std::string err;
  EXPECT_FALSE(parseNpy(
      npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }",
          std::string(4, '\0')),
      a, err));
  EXPECT_NE(err.find("Fortran"), std::string::npos);
}

TEST(Npy, RejectsTruncatedData) {
  NpyArray a;
  std::string err;
  EXPECT_FALSE(parseNpy(
      npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
          std::string(8, '\0')),
      a, err));
  EXPECT_EQ(err, ".npy data has 8 bytes, expected 16");
}

TEST(Npy, RejectsBadMagic) {
  NpyArray a;
  std::string err;
  EXPECT_FALSE(parseNpy("hello world", a, err));
  EXPECT_EQ(err, "not a .npy file (bad magic)");
}
