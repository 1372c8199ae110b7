// VulkanLoader: the Vulkan entry points the driver uses, loaded from
// libvulkan.so.1 with dlopen so that nothing links against libvulkan.
#ifndef NNC_RUNTIME_DRIVERS_VULKAN_VULKANLOADER_H
#define NNC_RUNTIME_DRIVERS_VULKAN_VULKANLOADER_H

#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan_core.h>

#include <string>

namespace nnc::rt::vk {

// Global commands: callable before an instance exists.
#define NNC_VK_GLOBAL_FNS(X)                                                   \
  X(vkCreateInstance)                                                          \
  X(vkEnumerateInstanceVersion)

#define NNC_VK_INSTANCE_FNS(X)                                                 \
  X(vkDestroyInstance)                                                         \
  X(vkEnumeratePhysicalDevices)                                                \
  X(vkGetPhysicalDeviceProperties)                                             \
  X(vkGetPhysicalDeviceProperties2)                                            \
  X(vkGetPhysicalDeviceFeatures)                                               \
  X(vkGetPhysicalDeviceFeatures2)                                              \
  X(vkGetPhysicalDeviceQueueFamilyProperties)                                  \
  X(vkGetPhysicalDeviceMemoryProperties)                                       \
  X(vkEnumerateDeviceExtensionProperties)                                      \
  X(vkCreateDevice)                                                            \
  X(vkGetDeviceProcAddr)

#define NNC_VK_DEVICE_FNS(X)                                                   \
  X(vkDestroyDevice)                                                           \
  X(vkGetDeviceQueue)                                                          \
  X(vkDeviceWaitIdle)                                                          \
  X(vkCreateBuffer)                                                            \
  X(vkDestroyBuffer)                                                           \
  X(vkGetBufferMemoryRequirements)                                             \
  X(vkAllocateMemory)                                                          \
  X(vkFreeMemory)                                                              \
  X(vkBindBufferMemory)                                                        \
  X(vkMapMemory)                                                               \
  X(vkUnmapMemory)                                                             \
  X(vkCreateShaderModule)                                                      \
  X(vkDestroyShaderModule)                                                     \
  X(vkCreateDescriptorSetLayout)                                               \
  X(vkDestroyDescriptorSetLayout)                                              \
  X(vkCreatePipelineLayout)                                                    \
  X(vkDestroyPipelineLayout)                                                   \
  X(vkCreateComputePipelines)                                                  \
  X(vkDestroyPipeline)                                                         \
  X(vkCreateDescriptorPool)                                                    \
  X(vkDestroyDescriptorPool)                                                   \
  X(vkResetDescriptorPool)                                                     \
  X(vkAllocateDescriptorSets)                                                  \
  X(vkUpdateDescriptorSets)                                                    \
  X(vkCreateCommandPool)                                                       \
  X(vkDestroyCommandPool)                                                      \
  X(vkResetCommandPool)                                                        \
  X(vkAllocateCommandBuffers)                                                  \
  X(vkBeginCommandBuffer)                                                      \
  X(vkEndCommandBuffer)                                                        \
  X(vkCmdBindPipeline)                                                         \
  X(vkCmdBindDescriptorSets)                                                   \
  X(vkCmdDispatch)                                                             \
  X(vkCmdCopyBuffer)                                                           \
  X(vkCmdPipelineBarrier)                                                      \
  X(vkCreateFence)                                                             \
  X(vkDestroyFence)                                                            \
  X(vkResetFences)                                                             \
  X(vkWaitForFences)                                                           \
  X(vkQueueSubmit)                                                             \
  X(vkCreateQueryPool)                                                         \
  X(vkDestroyQueryPool)                                                        \
  X(vkCmdResetQueryPool)                                                       \
  X(vkCmdWriteTimestamp)                                                       \
  X(vkGetQueryPoolResults)

/// The function table; members are null until loaded.
struct Fns {
  void *library = nullptr;
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
#define NNC_VK_DECLARE(name) PFN_##name name = nullptr;
  NNC_VK_GLOBAL_FNS(NNC_VK_DECLARE)
  NNC_VK_INSTANCE_FNS(NNC_VK_DECLARE)
  NNC_VK_DEVICE_FNS(NNC_VK_DECLARE)
#undef NNC_VK_DECLARE

  /// dlopens libvulkan.so.1 and loads the global commands; "" on success.
  std::string loadLibrary();
  std::string loadInstance(VkInstance instance);
  std::string loadDevice(VkDevice device);
  void unloadLibrary();
};

/// "VK_ERROR_OUT_OF_HOST_MEMORY" for the enumerant, or "VkResult(<n>)".
std::string resultName(VkResult result);

/// "vulkan: <function> failed: <result name>".
std::string failure(const char *function, VkResult result);

} // namespace nnc::rt::vk

#endif // NNC_RUNTIME_DRIVERS_VULKAN_VULKANLOADER_H
