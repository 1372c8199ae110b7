// VulkanLoader: dlopen of libvulkan.so.1 and vkGetInstanceProcAddr lookups.
#include "runtime/drivers/vulkan/VulkanLoader.h"

#include <dlfcn.h>

namespace nnc::rt::vk {

std::string Fns::loadLibrary() {
  library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    return std::string("vulkan: cannot load libvulkan.so.1: ") +
           (why ? why : "unknown error");
  }
  vkGetInstanceProcAddr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(
      dlsym(library, "vkGetInstanceProcAddr"));
  if (!vkGetInstanceProcAddr)
    return "vulkan: libvulkan.so.1 has no vkGetInstanceProcAddr";
#define NNC_VK_LOAD(name)                                                      \
  name = reinterpret_cast<PFN_##name>(vkGetInstanceProcAddr(nullptr, #name));
  NNC_VK_GLOBAL_FNS(NNC_VK_LOAD)
#undef NNC_VK_LOAD
  if (!vkCreateInstance)
    return "vulkan: libvulkan.so.1 has no vkCreateInstance";
  // A 1.0 loader lacks vkEnumerateInstanceVersion; the caller then refuses.
  return "";
}

std::string Fns::loadInstance(VkInstance instance) {
#define NNC_VK_LOAD(name)                                                      \
  name = reinterpret_cast<PFN_##name>(vkGetInstanceProcAddr(instance, #name)); \
  if (!name)                                                                   \
    return "vulkan: the Vulkan loader lacks " #name;
  NNC_VK_INSTANCE_FNS(NNC_VK_LOAD)
#undef NNC_VK_LOAD
  return "";
}

std::string Fns::loadDevice(VkDevice device) {
#define NNC_VK_LOAD(name)                                                      \
  name = reinterpret_cast<PFN_##name>(vkGetDeviceProcAddr(device, #name));     \
  if (!name)                                                                   \
    return "vulkan: the Vulkan device lacks " #name;
  NNC_VK_DEVICE_FNS(NNC_VK_LOAD)
#undef NNC_VK_LOAD
  return "";
}

void Fns::unloadLibrary() {
  if (library)
    dlclose(library);
  *this = Fns();
}

std::string resultName(VkResult result) {
  switch (result) {
#define NNC_VK_RESULT(name)                                                    \
  case name:                                                                   \
    return #name;
    NNC_VK_RESULT(VK_SUCCESS)
    NNC_VK_RESULT(VK_NOT_READY)
    NNC_VK_RESULT(VK_TIMEOUT)
    NNC_VK_RESULT(VK_EVENT_SET)
    NNC_VK_RESULT(VK_EVENT_RESET)
    NNC_VK_RESULT(VK_INCOMPLETE)
    NNC_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    NNC_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    NNC_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    NNC_VK_RESULT(VK_ERROR_DEVICE_LOST)
    NNC_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    NNC_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    NNC_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    NNC_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    NNC_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    NNC_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    NNC_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    NNC_VK_RESULT(VK_ERROR_FRAGMENTED_POOL)
    NNC_VK_RESULT(VK_ERROR_UNKNOWN)
    NNC_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    NNC_VK_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    NNC_VK_RESULT(VK_ERROR_FRAGMENTATION)
    NNC_VK_RESULT(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
    NNC_VK_RESULT(VK_ERROR_INVALID_SHADER_NV)
#undef NNC_VK_RESULT
  default:
    return "VkResult(" + std::to_string(static_cast<int>(result)) + ")";
  }
}

std::string failure(const char *function, VkResult result) {
  return std::string("vulkan: ") + function + " failed: " + resultName(result);
}

} // namespace nnc::rt::vk
