// Philox 4x32-10 known answers (Random123 kat_vectors) and the initializers.
#include "reference/Graph.h"
#include "reference/Init.h"
#include "reference/Philox.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>

using namespace nnc::ref;

namespace {

// From Random123's tests/kat_vectors, the three `philox4x32 10` lines
// (counter[4] key[2] -> output[4]).
TEST(Philox, KnownAnswerZeros) {
  PhiloxCounter out = philox4x32_10({0, 0, 0, 0}, {0, 0});
  EXPECT_EQ(out, (PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
}

TEST(Philox, KnownAnswerAllOnes) {
  PhiloxCounter out = philox4x32_10(
      {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff});
  EXPECT_EQ(out, (PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
}

TEST(Philox, KnownAnswerPiDigits) {
  PhiloxCounter out = philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                                    {0xa4093822, 0x299f31d0});
  EXPECT_EQ(out, (PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, ElementCounterAndSeedKeyLayout) {
  // Element i uses counter (i lo, i hi, 0, 0) and key (seed lo, seed hi).
  uint64_t seed = 0x0123456789abcdefull, index = 0x00000005deadbeefull;
  EXPECT_EQ(philoxForElement(seed, index),
            philox4x32_10({0xdeadbeef, 0x5, 0, 0}, {0x89abcdef, 0x01234567}));
  EXPECT_EQ(philoxForElement(0, 0), philox4x32_10({0, 0, 0, 0}, {0, 0}));
}

TEST(Philox, UniformUsesTheTop24BitsOfW0) {
  PhiloxCounter w = philoxForElement(42, 7);
  EXPECT_EQ(philoxUniform(42, 7), double(w[0] >> 8) / 16777216.0);
  // seed 0, element 0: w0 = 0x6627e8d5.
  EXPECT_EQ(philoxUniform(0, 0), double(0x6627e8d5u >> 8) / 16777216.0);
}

TEST(Philox, NormalIsBoxMullerOfW0W1) {
  PhiloxCounter w = philoxForElement(3, 11);
  double u1 = (double(w[0] >> 8) + 1) / 16777216.0;
  double u2 = double(w[1] >> 8) / 16777216.0;
  EXPECT_EQ(philoxNormal(3, 11), std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2));
}

Tensor makeInit(const std::string &init, const std::string &type) {
  Graph g;
  Status s = parseGraph("nngraph 1\nmodel m\nparam p " + type + " " + init + "\n", g);
  EXPECT_TRUE(s.ok()) << s.message();
  TensorMap params;
  s = initParams(g, params);
  EXPECT_TRUE(s.ok()) << s.message();
  return params["p"];
}

void stats(const Tensor &t, double &mean, double &sd, double &lo, double &hi) {
  double sum = 0, sq = 0;
  lo = INFINITY;
  hi = -INFINITY;
  for (int64_t i = 0; i < t.numel(); ++i) {
    double v = t.getDouble(i);
    sum += v;
    sq += v * v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  mean = sum / t.numel();
  sd = std::sqrt(sq / t.numel() - mean * mean);
}

TEST(Init, ZerosOnesConst) {
  Tensor z = makeInit("zeros", "f32[3]"), o = makeInit("ones", "i64[2]"),
         c = makeInit("const(value=-2.5)", "f16[2,2]");
  EXPECT_EQ(z.getDouble(2), 0.0);
  EXPECT_EQ(o.getInt(1), 1);
  EXPECT_EQ(c.typeString(), "f16[2,2]");
  EXPECT_EQ(c.getDouble(3), -2.5);
}

TEST(Init, UniformBoundsAndMoments) {
  Tensor t = makeInit("uniform(lo=-3,hi=5,seed=9)", "f32[100,100]");
  double mean, sd, lo, hi;
  stats(t, mean, sd, lo, hi);
  EXPECT_GE(lo, -3.0);
  EXPECT_LT(hi, 5.0);
  EXPECT_NEAR(mean, 1.0, 0.05);
  EXPECT_NEAR(sd, 8 / std::sqrt(12.0), 0.03);
  EXPECT_EQ(t.getDouble(17), static_cast<float>(-3 + 8 * philoxUniform(9, 17)));
}

TEST(Init, NormalMoments) {
  Tensor t = makeInit("normal(mean=2,std=0.5,seed=4)", "f32[200,100]");
  double mean, sd, lo, hi;
  stats(t, mean, sd, lo, hi);
  EXPECT_NEAR(mean, 2.0, 0.01);
  EXPECT_NEAR(sd, 0.5, 0.01);
  EXPECT_EQ(t.getDouble(5), static_cast<float>(2 + 0.5 * philoxNormal(4, 5)));
}

TEST(Init, GlorotUniformUsesInOutFans) {
  Tensor t = makeInit("glorot_uniform(seed=1)", "f32[784,128]");
  double limit = std::sqrt(6.0 / (784 + 128)), mean, sd, lo, hi;
  stats(t, mean, sd, lo, hi);
  EXPECT_GE(lo, -limit);
  EXPECT_LE(hi, limit);
  EXPECT_GT(hi, 0.99 * limit);
  EXPECT_NEAR(sd, limit / std::sqrt(3.0), 0.002);
}

TEST(Init, HeNormalUsesConvFanIn) {
  // OIHW [32, 16, 3, 3]: fan_in = 16 * 9.
  Tensor t = makeInit("he_normal(seed=5)", "f32[32,16,3,3]");
  double mean, sd, lo, hi;
  stats(t, mean, sd, lo, hi);
  EXPECT_NEAR(mean, 0, 0.01);
  EXPECT_NEAR(sd, std::sqrt(2.0 / 144), 0.005);
}

TEST(Init, Fans) {
  double in, out;
  computeFans({10}, in, out);
  EXPECT_EQ(in, 10);
  EXPECT_EQ(out, 10);
  computeFans({3, 7}, in, out);
  EXPECT_EQ(in, 3);
  EXPECT_EQ(out, 7);
  computeFans({8, 4, 3, 2}, in, out);
  EXPECT_EQ(in, 24);
  EXPECT_EQ(out, 48);
}

TEST(Init, RandomInitIsDeterministicAndSeedDependent) {
  Tensor a = makeInit("uniform(lo=0,hi=1,seed=1)", "f32[16]");
  Tensor b = makeInit("uniform(lo=0,hi=1,seed=1)", "f32[16]");
  Tensor c = makeInit("uniform(lo=0,hi=1,seed=2)", "f32[16]");
  EXPECT_EQ(a.bytes(), b.bytes());
  EXPECT_NE(a.bytes(), c.bytes());
}

TEST(Init, RoundsToF16AndBF16) {
  Tensor h = makeInit("normal(mean=0,std=1,seed=3)", "f16[8]");
  Tensor b = makeInit("normal(mean=0,std=1,seed=3)", "bf16[8]");
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(h.getDouble(i), halfToDouble(doubleToHalf(philoxNormal(3, i))));
    EXPECT_EQ(b.getDouble(i), bf16ToDouble(doubleToBF16(philoxNormal(3, i))));
  }
}

TEST(Init, DataHoldsRawLittleEndianBytes) {
  Tensor t = makeInit("data(0000803f000000c0)", "f32[2]"); // 1.0, -2.0
  EXPECT_EQ(t.getDouble(0), 1.0);
  EXPECT_EQ(t.getDouble(1), -2.0);
}

TEST(Init, DataOfTheWrongSizeIsAnError) {
  Graph g;
  ASSERT_TRUE(parseGraph("nngraph 1\nmodel m\nparam p f32[2] data(00ff)\n", g).ok());
  TensorMap params;
  Status s = initParams(g, params);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("param p: data(...) holds 2 bytes"), std::string::npos)
      << s.message();
}

} // namespace
