// SpirvInfo: a bounds-checked reader of SPIR-V module headers.
#include "runtime/drivers/vulkan/SpirvInfo.h"

#include <cstring>
#include <map>

namespace nnc::rt::vk {
namespace {

constexpr uint32_t kMagic = 0x07230203;
constexpr uint32_t kOpEntryPoint = 15, kOpExecutionMode = 16,
                   kOpCapability = 17, kOpFunction = 54, kOpFunctionEnd = 56,
                   kOpDecorate = 71;
constexpr uint32_t kDecorationBinding = 33, kDecorationDescriptorSet = 34;
constexpr uint32_t kExecutionModeLocalSize = 17;
// Descriptor bindings beyond this are not a kernel's argument list but a
// corrupt blob; it also bounds what a layout is asked to allocate.
constexpr uint32_t kMaxBinding = 1u << 16;

/// A nul-terminated literal string starting at words[begin], within `end`.
bool readString(const uint32_t *words, size_t begin, size_t end,
                std::string &out) {
  out.clear();
  for (size_t i = begin; i < end; ++i) {
    for (int b = 0; b < 4; ++b) {
      char c = static_cast<char>((words[i] >> (8 * b)) & 0xff);
      if (c == '\0')
        return true;
      out.push_back(c);
    }
  }
  return false;
}

} // namespace

std::string capabilityName(uint32_t value) {
  static const std::map<uint32_t, const char *> names = {
      {0, "Matrix"},
      {1, "Shader"},
      {4, "Addresses"},
      {5, "Linkage"},
      {6, "Kernel"},
      {8, "Float16Buffer"},
      {9, "Float16"},
      {10, "Float64"},
      {11, "Int64"},
      {12, "Int64Atomics"},
      {22, "Int16"},
      {39, "Int8"},
      {61, "GroupNonUniform"},
      {62, "GroupNonUniformVote"},
      {63, "GroupNonUniformArithmetic"},
      {64, "GroupNonUniformBallot"},
      {65, "GroupNonUniformShuffle"},
      {66, "GroupNonUniformShuffleRelative"},
      {67, "GroupNonUniformClustered"},
      {68, "GroupNonUniformQuad"},
      {4433, "StorageBuffer16BitAccess"},
      {4434, "UniformAndStorageBuffer16BitAccess"},
      {4441, "VariablePointersStorageBuffer"},
      {4442, "VariablePointers"},
      {4448, "StorageBuffer8BitAccess"},
      {4449, "UniformAndStorageBuffer8BitAccess"},
      {5345, "VulkanMemoryModel"},
      {5347, "PhysicalStorageBufferAddresses"},
  };
  auto it = names.find(value);
  if (it != names.end())
    return it->second;
  return "Capability(" + std::to_string(value) + ")";
}

std::string parseSpirv(const std::vector<uint8_t> &code, SpirvInfo &info) {
  info = SpirvInfo();
  if (code.size() % 4 != 0)
    return "size " + std::to_string(code.size()) +
           " is not a whole number of 32-bit words";
  size_t count = code.size() / 4;
  if (count < 5)
    return "shorter than a SPIR-V header";
  std::vector<uint32_t> words(count);
  std::memcpy(words.data(), code.data(), code.size());
  if (words[0] != kMagic)
    return "not SPIR-V (bad magic number)";

  std::map<uint32_t, uint32_t> bindingOf, setOf; // by variable id
  int openFunctions = 0, functions = 0;
  uint32_t lastOpcode = 0;
  for (size_t at = 5; at < count;) {
    uint32_t wordCount = words[at] >> 16, opcode = words[at] & 0xffff;
    if (wordCount == 0)
      return "instruction of zero words at word " + std::to_string(at);
    if (at + wordCount > count)
      return "truncated instruction at word " + std::to_string(at);
    const uint32_t *op = &words[at];
    if (opcode == kOpCapability && wordCount >= 2) {
      info.capabilities.push_back(capabilityName(op[1]));
    } else if (opcode == kOpDecorate && wordCount >= 4) {
      if (op[2] == kDecorationBinding)
        bindingOf[op[1]] = op[3];
      else if (op[2] == kDecorationDescriptorSet)
        setOf[op[1]] = op[3];
    } else if (opcode == kOpEntryPoint && wordCount >= 4) {
      SpirvInfo::EntryPoint entry;
      entry.model = op[1];
      entry.id = op[2];
      if (!readString(words.data(), at + 3, at + wordCount, entry.name))
        return "unterminated entry point name at word " + std::to_string(at);
      info.entryPoints.push_back(entry);
    } else if (opcode == kOpFunction) {
      if (openFunctions++ != 0)
        return "nested function at word " + std::to_string(at);
      ++functions;
    } else if (opcode == kOpFunctionEnd) {
      if (--openFunctions != 0)
        return "unbalanced OpFunctionEnd at word " + std::to_string(at);
    } else if (opcode == kOpExecutionMode && wordCount >= 6 &&
               op[2] == kExecutionModeLocalSize) {
      for (SpirvInfo::EntryPoint &entry : info.entryPoints)
        if (entry.id == op[1]) {
          entry.localSize[0] = op[3];
          entry.localSize[1] = op[4];
          entry.localSize[2] = op[5];
        }
    }
    lastOpcode = opcode;
    at += wordCount;
  }
  // A blob cut at an instruction boundary still parses; it is caught by its
  // missing tail, since a module's last instruction ends a function.
  if (functions == 0 || openFunctions != 0 || lastOpcode != kOpFunctionEnd)
    return "the module does not end with a complete function (truncated?)";
  for (const auto &[id, binding] : bindingOf) {
    auto set = setOf.find(id);
    if (set != setOf.end() && set->second != 0) {
      info.hasOtherSets = true;
      continue;
    }
    if (binding >= kMaxBinding)
      return "binding " + std::to_string(binding) + " is out of range";
    if (binding + 1 > info.numBindings)
      info.numBindings = binding + 1;
  }
  return "";
}

} // namespace nnc::rt::vk
