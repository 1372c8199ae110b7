// Unit tests of the signature table: one entry per callable, well-formed.
#include "frontend/nn/Signatures.h"

#include "llvm/ADT/StringSet.h"
#include <gtest/gtest.h>

using namespace nnc::nnlang;

TEST(Signatures, NamesAreUnique) {
  llvm::StringSet<> seen;
  for (const Signature &s : allSignatures())
    EXPECT_TRUE(seen.insert(s.name).second) << s.name;
}

TEST(Signatures, RequiredPositionalParametersComeFirst) {
  for (const Signature &s : allSignatures()) {
    bool optionalSeen = false;
    for (const ParamSpec &p : s.params) {
      if (p.keywordOnly)
        continue;
      if (p.defaultValue)
        optionalSeen = true;
      else
        EXPECT_FALSE(optionalSeen) << s.name << "." << p.name;
    }
  }
}

TEST(Signatures, CoversTheOperatorTable) {
  for (const char *name :
       {"add", "sub", "mul", "div", "neg", "exp", "log", "sqrt", "rsqrt", "abs",
        "pow", "maximum", "minimum", "tanh", "sigmoid", "relu", "gelu", "silu",
        "where", "cast", "sum", "mean", "max", "min", "argmax", "softmax",
        "log_softmax", "layer_norm", "batch_norm", "rms_norm", "matmul",
        "conv2d", "max_pool2d", "avg_pool2d", "global_avg_pool", "reshape",
        "transpose", "flatten", "concat", "slice", "broadcast_to", "gather",
        "embedding", "cross_entropy", "mse", "dropout"})
    EXPECT_NE(lookupSignature(name, Signature::Category::Operator), nullptr)
        << name;
}

TEST(Signatures, OptimizerDefaultsFollowPyTorch) {
  const Signature *adamw =
      lookupSignature("adamw", Signature::Category::Optimizer);
  ASSERT_NE(adamw, nullptr);
  for (const ParamSpec &p : adamw->params) {
    EXPECT_TRUE(p.keywordOnly);
    if (llvm::StringRef(p.name) == "weight_decay") {
      EXPECT_STREQ(p.defaultValue, "0.01");
    }
    if (llvm::StringRef(p.name) == "lr") {
      EXPECT_STREQ(p.defaultValue, "0.001");
    }
  }
  EXPECT_EQ(lookupSignature("adam", Signature::Category::Initializer), nullptr);
}
