// Plan: parses the launch plan text of model.so (docs/model-format.md) and
// evaluates an entry for concrete input shapes into sizes, buffer lifetimes
// and launches. Pure host code: no device, no driver.
#ifndef NNC_RUNTIME_SRC_PLAN_H
#define NNC_RUNTIME_SRC_PLAN_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nnc::rt {

struct PlanOperand {
  bool isReg = false;
  int64_t value = 0;
};

struct PlanKernel {
  std::string module, function;
  uint32_t block[3] = {1, 1, 1};
};

struct PlanGlobal {
  std::string name, dtype;
  uint64_t bytes = 0;
};

struct PlanArg {
  std::string role, name, dtype;
  bool used = true;
  std::vector<int64_t> dims; // -1: dynamic
};

struct PlanViewDef {
  enum class Root { Arg, Buffer, Global };
  Root root = Root::Arg;
  int64_t rootIndex = 0;
  std::string dtype;
  PlanOperand offset;
  std::vector<PlanOperand> sizes, strides;
};

struct PlanLaunchArg {
  bool isView = true;
  int64_t view = 0;         // isView
  std::string scalarType;   // "index", "i32", ...
  PlanOperand value;
};

struct PlanInstr {
  enum class Kind { Reg, Alloc, Free, View, Launch };
  Kind kind = Kind::Reg;
  int64_t index = 0;    // register, buffer or view number being defined
  std::string op;       // Reg: indim, add, ..., cmp, select
  std::vector<PlanOperand> operands; // Reg (cmp: after predicate), Alloc: bytes
  std::string predicate;             // cmp
  PlanViewDef view;                  // View
  int64_t kernel = 0;                // Launch
  PlanOperand grid[3];
  std::vector<PlanLaunchArg> args;
};

struct PlanEntry {
  std::string name;
  std::vector<PlanArg> args;
  std::vector<PlanInstr> instrs;
  std::vector<std::pair<std::string, int64_t>> results; // name, view
  /// `update NAME vN`: after the launches, view N is the param or state NAME.
  std::vector<std::pair<std::string, int64_t>> updates;
  int64_t numRegs = 0, numBuffers = 0, numViews = 0;
};

struct Plan {
  std::vector<PlanKernel> kernels;
  std::vector<PlanGlobal> globals;
  std::vector<PlanEntry> entries;
  const PlanEntry *entry(const std::string &name) const;
};

/// Empty string on success, else "plan:LINE: message".
std::string parsePlan(const std::string &text, Plan &plan);

size_t planDTypeBytes(const std::string &dtype);

/// A view with concrete numbers.
struct EvalView {
  PlanViewDef::Root root = PlanViewDef::Root::Arg;
  int64_t rootIndex = 0;
  uint32_t elementBytes = 4;
  std::string dtype;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
  bool contiguous() const;
  int64_t numel() const;
};

struct EvalLaunch {
  int64_t kernel = 0;
  uint64_t grid[3] = {1, 1, 1};
  struct Arg {
    bool isView = true;
    EvalView view;
    std::string scalarType;
    int64_t value = 0;
  };
  std::vector<Arg> args;
};

/// An entry evaluated for given argument shapes: buffer sizes and where each
/// lives in one arena (reused after its free), the launches in order, and the
/// results.
struct EvalEntry {
  std::vector<uint64_t> bufferBytes;   // per buffer
  std::vector<uint64_t> bufferOffset;  // per buffer, in the arena
  uint64_t arenaBytes = 0;
  std::vector<EvalLaunch> launches;
  std::vector<std::pair<std::string, EvalView>> results;
  std::vector<std::pair<std::string, EvalView>> updates;
};

/// Alignment of every buffer in the arena (Vulkan's binding offsets).
constexpr uint64_t kArenaAlignment = 256;

/// "[8, 784]", "?" for a dynamic dim (-1): shapes in the runtime's messages.
std::string shapeString(const std::vector<int64_t> &dims);

/// `argShapes[i]` is the shape of argument i (ignored for unused ones).
/// `argBytes[i]` the byte size of its storage, `globalBytes` likewise; every
/// view is checked to stay inside its root. Empty string on success.
std::string evaluateEntry(const Plan &plan, const PlanEntry &entry,
                          const std::vector<std::vector<int64_t>> &argShapes,
                          EvalEntry &out);

} // namespace nnc::rt

#endif // NNC_RUNTIME_SRC_PLAN_H
