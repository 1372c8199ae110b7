// SpirvInfo: the few facts the Vulkan driver reads from a SPIR-V binary
// (declared capabilities, storage-buffer bindings, entry points), found by a
// bounds-checked walk that rejects malformed blobs instead of trusting them.
#ifndef NNC_RUNTIME_DRIVERS_VULKAN_SPIRVINFO_H
#define NNC_RUNTIME_DRIVERS_VULKAN_SPIRVINFO_H

#include <cstdint>
#include <string>
#include <vector>

namespace nnc::rt::vk {

struct SpirvInfo {
  std::vector<std::string> capabilities; // "Int64", or "Capability(<n>)"
  uint32_t numBindings = 0;  // highest Binding in descriptor set 0, plus one
  bool hasOtherSets = false; // a binding outside set 0
  struct EntryPoint {
    uint32_t model = 0; // 5: GLCompute
    uint32_t id = 0;
    std::string name;
    uint32_t localSize[3] = {0, 0, 0}; // 0: no LocalSize execution mode
  };
  std::vector<EntryPoint> entryPoints;
};

/// Reads `code` (SPIR-V words, little endian); on a malformed blob returns
/// a message saying why ("truncated instruction at word 12") and leaves
/// `info` unspecified.
std::string parseSpirv(const std::vector<uint8_t> &code, SpirvInfo &info);

/// The SPIR-V spelling of capability `value` ("Int64"), or "Capability(<n>)".
std::string capabilityName(uint32_t value);

} // namespace nnc::rt::vk

#endif // NNC_RUNTIME_DRIVERS_VULKAN_SPIRVINFO_H
