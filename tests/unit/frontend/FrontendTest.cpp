// Unit tests of compileNNSource, the entry the driver and the fuzzer share.
#include "frontend/nn/Frontend.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MemoryBuffer.h"
#include <gtest/gtest.h>

namespace {
struct Compiled {
  bool ok;
  std::string diagnostics;
};

Compiled compile(llvm::StringRef source) {
  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, "t.nn"), llvm::SMLoc());
  std::string text;
  llvm::raw_string_ostream os(text);
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, os);
  auto module = nnc::compileNNSource(context, sourceMgr);
  return {static_cast<bool>(module), text};
}
} // namespace

TEST(Frontend, CompilesAModel) {
  Compiled c = compile("model m\ninput x : f32[B, 4]\ny = relu(x)\noutput y\n");
  EXPECT_TRUE(c.ok) << c.diagnostics;
  EXPECT_EQ(c.diagnostics, "");
}

TEST(Frontend, SyntaxErrorIsLocated) {
  Compiled c = compile("model m\ny = x +\n");
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.diagnostics.rfind("t.nn:2:8: error: expected an expression", 0),
            0u)
      << c.diagnostics;
}

TEST(Frontend, ShapeErrorIsLocatedAtTheOperator) {
  Compiled c = compile("model m\ninput x : f32[2, 3]\ninput w : f32[4, 5]\n"
                       "y = x @ w\noutput y\n");
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.diagnostics.find("t.nn:4:7: error: '@' needs"),
            std::string::npos)
      << c.diagnostics;
}

TEST(Frontend, BinaryGarbageFailsCleanly) {
  Compiled c = compile(llvm::StringRef("model m\n\0\xff", 10));
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.diagnostics.find("error: unexpected character 0x00"),
            std::string::npos)
      << c.diagnostics;
}
