// Tensor element access and the f16/bf16 rounding conversions.
#include "reference/Tensor.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>

using namespace nnc::ref;

namespace {

TEST(Half, ConvertsExactValuesAndSpecials) {
  EXPECT_EQ(doubleToHalf(1.0), 0x3c00);
  EXPECT_EQ(doubleToHalf(-2.0), 0xc000);
  EXPECT_EQ(doubleToHalf(65504.0), 0x7bff);
  EXPECT_EQ(doubleToHalf(65520.0), 0x7c00); // rounds up to inf
  EXPECT_EQ(doubleToHalf(1e9), 0x7c00);
  EXPECT_EQ(doubleToHalf(std::ldexp(1.0, -24)), 0x0001); // smallest subnormal
  EXPECT_EQ(doubleToHalf(std::ldexp(1.0, -26)), 0x0000); // rounds to zero
  EXPECT_EQ(doubleToHalf(-0.0), 0x8000);
  EXPECT_TRUE(std::isnan(halfToDouble(doubleToHalf(NAN))));
  EXPECT_EQ(halfToDouble(0x3555), 0.333251953125);
  EXPECT_EQ(halfToDouble(0xfc00), -INFINITY);
}

TEST(Half, RoundsToNearestEven) {
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to even (1).
  EXPECT_EQ(doubleToHalf(1.0 + std::ldexp(1.0, -11)), 0x3c00);
  // 1 + 3 * 2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9: goes up.
  EXPECT_EQ(doubleToHalf(1.0 + 3 * std::ldexp(1.0, -11)), 0x3c02);
  // Just above the halfway point rounds up.
  EXPECT_EQ(doubleToHalf(1.0 + std::ldexp(1.0, -11) + 1e-12), 0x3c01);
}

TEST(Half, RoundTripsEveryFiniteValue) {
  for (uint32_t b = 0; b < 0x10000; ++b) {
    uint16_t h = static_cast<uint16_t>(b);
    if (((h >> 10) & 0x1f) == 0x1f)
      continue;
    ASSERT_EQ(doubleToHalf(halfToDouble(h)), h) << std::hex << b;
  }
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(doubleToBF16(1.0), 0x3f80);
  EXPECT_EQ(doubleToBF16(1.0 + std::ldexp(1.0, -8)), 0x3f80); // tie → even
  EXPECT_EQ(doubleToBF16(1.0 + 3 * std::ldexp(1.0, -8)), 0x3f82);
  EXPECT_EQ(doubleToBF16(-3.0e38), 0xff62);
  EXPECT_EQ(doubleToBF16(3.5e38), 0x7f80); // overflow → inf
  EXPECT_TRUE(std::isnan(bf16ToDouble(doubleToBF16(NAN))));
  for (uint32_t b = 0; b < 0x10000; ++b) {
    uint16_t h = static_cast<uint16_t>(b);
    if (((h >> 7) & 0xff) == 0xff)
      continue;
    ASSERT_EQ(doubleToBF16(bf16ToDouble(h)), h) << std::hex << b;
  }
}

TEST(BFloat16, AgreesWithFloatTruncationWhenExact) {
  float f = 1.5f;
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  EXPECT_EQ(doubleToBF16(1.5), bits >> 16);
}

TEST(Tensor, StoresAndWrapsIntegers) {
  Tensor t(DType::I32, {2});
  t.setInt(0, (1LL << 32) + 7);
  EXPECT_EQ(t.getInt(0), 7);
  t.setDouble(1, -2.9);
  EXPECT_EQ(t.getInt(1), -2);
  Tensor b(DType::Bool, {1});
  b.setDouble(0, 0.25);
  EXPECT_EQ(b.getInt(0), 1);
  EXPECT_EQ(t.typeString(), "i32[2]");
  EXPECT_EQ(Tensor(DType::F16, {}).typeString(), "f16[]");
  EXPECT_EQ(Tensor(DType::F16, {3}).bytes().size(), 6u);
}

TEST(Tensor, ParsesDTypeNames) {
  DType d;
  for (DType want : {DType::F32, DType::F16, DType::BF16, DType::I32, DType::I64,
                     DType::Bool, DType::F64, DType::I8, DType::I16, DType::U8,
                     DType::U16, DType::U32, DType::U64}) {
    ASSERT_TRUE(parseDType(dtypeName(want), d));
    EXPECT_EQ(d, want);
  }
  EXPECT_FALSE(parseDType("f128", d));
  EXPECT_FALSE(parseDType("ui8", d)); // the MLIR spelling is not a dtype name
}

TEST(Tensor, SizesAndWrapsTheSmallAndUnsignedIntegers) {
  struct {
    DType dtype;
    size_t size;
    int64_t wrapOf300, wrapOfMinus1;
  } cases[] = {{DType::I8, 1, 44, -1},    {DType::I16, 2, 300, -1},
               {DType::U8, 1, 44, 255},   {DType::U16, 2, 300, 65535},
               {DType::U32, 4, 300, 4294967295LL}, {DType::U64, 8, 300, -1}};
  for (const auto &c : cases) {
    Tensor t(c.dtype, {2});
    EXPECT_EQ(dtypeSize(c.dtype), c.size);
    EXPECT_TRUE(isInt(c.dtype));
    t.setInt(0, 300);
    t.setInt(1, -1);
    EXPECT_EQ(t.getInt(0), c.wrapOf300) << dtypeName(c.dtype);
    EXPECT_EQ(t.getInt(1), c.wrapOfMinus1) << dtypeName(c.dtype);
  }
  // u64 reads as unsigned in getDouble and orders as unsigned via orderKey.
  Tensor u(DType::U64, {2});
  u.setInt(0, -1);
  u.setInt(1, 1);
  EXPECT_EQ(u.getDouble(0), 18446744073709551615.0);
  EXPECT_GT(orderKey(DType::U64, u.getInt(0)), orderKey(DType::U64, u.getInt(1)));
  EXPECT_EQ(orderKey(DType::U64, orderKey(DType::U64, -5)), -5);
}

TEST(Tensor, FloatToIntegerTruncatesAndSaturates) {
  Tensor u8(DType::U8, {4}), i8(DType::I8, {3}), u64(DType::U64, {2});
  u8.setDouble(0, 300.7);
  u8.setDouble(1, -4.5);
  u8.setDouble(2, 7.9);
  u8.setDouble(3, std::nan(""));
  EXPECT_EQ(u8.getInt(0), 255);
  EXPECT_EQ(u8.getInt(1), 0);
  EXPECT_EQ(u8.getInt(2), 7);
  EXPECT_EQ(u8.getInt(3), 0);
  i8.setDouble(0, -200);
  i8.setDouble(1, 200);
  i8.setDouble(2, -3.9);
  EXPECT_EQ(i8.getInt(0), -128);
  EXPECT_EQ(i8.getInt(1), 127);
  EXPECT_EQ(i8.getInt(2), -3);
  u64.setDouble(0, 1e30);
  u64.setDouble(1, 9223372036854775808.0);
  EXPECT_EQ(u64.getDouble(0), 18446744073709551615.0);
  EXPECT_EQ(u64.getDouble(1), 9223372036854775808.0);
  Tensor f64(DType::F64, {1});
  f64.setDouble(0, 0.1);
  EXPECT_EQ(f64.getDouble(0), 0.1); // no rounding through f32
}

} // namespace
