// Every op against NumPy/PyTorch goldens (one test per case in cases.txt).
#include "reference/Interpreter.h"

#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace nnc::ref;

namespace {

struct GoldenCase {
  std::string name;
  double rtol = 1e-5, atol = 1e-6;
};

std::vector<GoldenCase> loadCases() {
  std::vector<GoldenCase> cases;
  std::ifstream in(std::string(NNC_GOLDEN_DIR) + "/cases.txt");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    GoldenCase c;
    if (ss >> c.name >> c.rtol >> c.atol)
      cases.push_back(c);
  }
  return cases;
}

void PrintTo(const GoldenCase &c, std::ostream *os) { *os << c.name; }

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, MatchesNumPy) {
  const GoldenCase &c = GetParam();
  std::string base = std::string(NNC_GOLDEN_DIR) + "/" + c.name;
  Graph graph;
  Status s = parseGraphFile(base + ".graph", graph);
  ASSERT_TRUE(s.ok()) << s.message();
  NamedTensors arrays;
  s = readNpz(base + ".npz", arrays);
  ASSERT_TRUE(s.ok()) << s.message();
  TensorMap inputs;
  std::map<std::string, Tensor> expected;
  for (auto &[name, t] : arrays) {
    if (name.rfind("in.", 0) == 0)
      inputs[name.substr(3)] = t;
    else if (name.rfind("out.", 0) == 0)
      expected[name.substr(4)] = t;
  }
  NamedTensors outputs;
  s = runFunc(graph, "forward", inputs, {}, outputs);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(outputs.size(), expected.size());
  for (const auto &[name, got] : outputs) {
    ASSERT_TRUE(expected.count(name)) << name;
    const Tensor &want = expected[name];
    ASSERT_EQ(got.typeString(), want.typeString()) << "output " << name;
    for (int64_t i = 0; i < got.numel(); ++i) {
      if (isFloat(got.dtype())) {
        double g = got.getDouble(i), w = want.getDouble(i);
        if (std::isnan(w)) {
          EXPECT_TRUE(std::isnan(g)) << name << "[" << i << "]";
          continue;
        }
        EXPECT_LE(std::fabs(g - w), c.atol + c.rtol * std::fabs(w))
            << name << "[" << i << "]: got " << g << ", want " << w;
      } else {
        EXPECT_EQ(got.getInt(i), want.getInt(i)) << name << "[" << i << "]";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, GoldenTest, ::testing::ValuesIn(loadCases()),
                         [](const ::testing::TestParamInfo<GoldenCase> &info) {
                           return info.param.name;
                         });

TEST(GoldenCases, WereGenerated) { EXPECT_GE(loadCases().size(), 100u); }

} // namespace
