// VulkanDevice: opening a Vulkan instance and compute device, the features
// enabled on it, and tearing it down.
#include "runtime/drivers/vulkan/VulkanDriver.h"

#include <cstdlib>
#include <cstring>

namespace nnc::rt {

DriverStatus createVulkanDriver(int ordinal, std::unique_ptr<Driver> &out) {
  out.reset();
  // NNRT_VULKAN_STAGING=1 keeps buffer memory unmapped even where it could
  // be mapped, so the staging path of read/write is exercised on lavapipe.
  const char *staging = std::getenv("NNRT_VULKAN_STAGING");
  bool forceStaging = staging && std::strcmp(staging, "1") == 0;
  auto driver = std::make_unique<vk::VulkanDriver>();
  DriverStatus status = driver->init(ordinal, forceStaging);
  if (!status.ok())
    return status;
  out = std::move(driver);
  return DriverStatus::success();
}

namespace vk {

DriverStatus VulkanDriver::init(int ordinal, bool staging) {
  forceStaging = staging;
  std::string error = fns.loadLibrary();
  if (!error.empty())
    return DriverStatus::error(error);
  uint32_t version = VK_API_VERSION_1_0;
  if (fns.vkEnumerateInstanceVersion)
    fns.vkEnumerateInstanceVersion(&version);
  if (version < VK_API_VERSION_1_1)
    return DriverStatus::error("vulkan: the Vulkan loader supports only 1.0; "
                               "1.1 is required");

  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "nnrt";
  app.pEngineName = "nnc";
  // 1.2 where the loader has it, for VkPhysicalDeviceVulkan1{1,2}Features;
  // 1.1 (features2, 16-bit storage) is the least the driver works with.
  app.apiVersion =
      version >= VK_API_VERSION_1_2 ? VK_API_VERSION_1_2 : VK_API_VERSION_1_1;
  apiVersion = app.apiVersion;
  VkInstanceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  info.pApplicationInfo = &app;
  if (VkResult r = fns.vkCreateInstance(&info, nullptr, &instance))
    return DriverStatus::error(failure("vkCreateInstance", r));
  error = fns.loadInstance(instance);
  if (!error.empty())
    return DriverStatus::error(error);
  DriverStatus status = pickDevice(ordinal);
  if (!status.ok())
    return status;
  return createDevice();
}

DriverStatus VulkanDriver::pickDevice(int ordinal) {
  uint32_t count = 0;
  if (VkResult r = fns.vkEnumeratePhysicalDevices(instance, &count, nullptr))
    return DriverStatus::error(failure("vkEnumeratePhysicalDevices", r));
  std::vector<VkPhysicalDevice> devices(count);
  VkResult r = fns.vkEnumeratePhysicalDevices(instance, &count, devices.data());
  if (r != VK_SUCCESS && r != VK_INCOMPLETE)
    return DriverStatus::error(failure("vkEnumeratePhysicalDevices", r));
  devices.resize(count);

  int seen = 0;
  for (VkPhysicalDevice candidate : devices) {
    uint32_t families = 0;
    fns.vkGetPhysicalDeviceQueueFamilyProperties(candidate, &families, nullptr);
    std::vector<VkQueueFamilyProperties> props(families);
    fns.vkGetPhysicalDeviceQueueFamilyProperties(candidate, &families,
                                                 props.data());
    // Prefer a compute queue without graphics: on discrete GPUs that is the
    // asynchronous compute family.
    int chosen = -1;
    for (uint32_t i = 0; i < families; ++i) {
      if (!(props[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || !props[i].queueCount)
        continue;
      if (chosen < 0 || !(props[i].queueFlags & VK_QUEUE_GRAPHICS_BIT))
        chosen = static_cast<int>(i);
    }
    if (chosen < 0)
      continue;
    if (seen++ != ordinal)
      continue;
    physical = candidate;
    queueFamily = static_cast<uint32_t>(chosen);
    timestampBits = props[chosen].timestampValidBits;
    fns.vkGetPhysicalDeviceProperties(physical, &properties);
    if (properties.apiVersion < apiVersion)
      apiVersion = properties.apiVersion;
    fns.vkGetPhysicalDeviceMemoryProperties(physical, &memoryProperties);
    return DriverStatus::success();
  }
  if (seen == 0)
    return DriverStatus::error("vulkan: no Vulkan device with a compute queue");
  return DriverStatus::error("vulkan: device ordinal " +
                             std::to_string(ordinal) + " is out of range (" +
                             std::to_string(seen) +
                             " Vulkan device(s) with a compute queue)");
}

namespace {

bool hasExtension(const std::vector<VkExtensionProperties> &all,
                  const char *name) {
  for (const VkExtensionProperties &e : all)
    if (std::strcmp(e.extensionName, name) == 0)
      return true;
  return false;
}

} // namespace

void VulkanDriver::queryFeatures(Features &f,
                                 std::vector<const char *> &extensions) {
  VkPhysicalDeviceFeatures core{};
  fns.vkGetPhysicalDeviceFeatures(physical, &core);
  f.int64 = core.shaderInt64;
  f.int16 = core.shaderInt16;
  f.float64 = core.shaderFloat64;
  if (apiVersion < VK_API_VERSION_1_1)
    return; // no *2 queries on a 1.0 device

  VkPhysicalDeviceSubgroupProperties subgroup{};
  subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
  VkPhysicalDeviceProperties2 props2{};
  props2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
  props2.pNext = &subgroup;
  fns.vkGetPhysicalDeviceProperties2(physical, &props2);
  if (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT)
    f.subgroupOps = subgroup.supportedOperations;

  VkPhysicalDeviceFeatures2 features2{};
  features2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  if (apiVersion >= VK_API_VERSION_1_2) {
    VkPhysicalDeviceVulkan11Features v11{};
    v11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
    VkPhysicalDeviceVulkan12Features v12{};
    v12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
    features2.pNext = &v11;
    v11.pNext = &v12;
    fns.vkGetPhysicalDeviceFeatures2(physical, &features2);
    f.storageBuffer16 = v11.storageBuffer16BitAccess;
    f.uniformAndStorageBuffer16 = v11.uniformAndStorageBuffer16BitAccess;
    f.variablePointersStorageBuffer = v11.variablePointersStorageBuffer;
    f.variablePointers = v11.variablePointers;
    f.storageBuffer8 = v12.storageBuffer8BitAccess;
    f.uniformAndStorageBuffer8 = v12.uniformAndStorageBuffer8BitAccess;
    f.float16 = v12.shaderFloat16;
    f.int8 = v12.shaderInt8;
    f.int64Atomics = v12.shaderBufferInt64Atomics;
    f.vulkanMemoryModel = v12.vulkanMemoryModel;
    return;
  }

  // A 1.1 device: 16-bit storage and variable pointers are core, 8-bit
  // storage and float16/int8 arithmetic are extensions.
  uint32_t count = 0;
  fns.vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> all(count);
  if (fns.vkEnumerateDeviceExtensionProperties(physical, nullptr, &count,
                                               all.data()) != VK_SUCCESS)
    all.clear();
  VkPhysicalDevice16BitStorageFeatures s16{};
  s16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
  VkPhysicalDeviceVariablePointersFeatures vp{};
  vp.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VARIABLE_POINTERS_FEATURES;
  VkPhysicalDevice8BitStorageFeaturesKHR s8{};
  s8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES_KHR;
  VkPhysicalDeviceShaderFloat16Int8FeaturesKHR f16i8{};
  f16i8.sType =
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES_KHR;
  features2.pNext = &s16;
  s16.pNext = &vp;
  void **tail = &vp.pNext;
  bool has8 = hasExtension(all, VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
  bool hasF16 = hasExtension(all, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
  if (has8) {
    *tail = &s8;
    tail = &s8.pNext;
  }
  if (hasF16)
    *tail = &f16i8;
  fns.vkGetPhysicalDeviceFeatures2(physical, &features2);
  f.storageBuffer16 = s16.storageBuffer16BitAccess;
  f.uniformAndStorageBuffer16 = s16.uniformAndStorageBuffer16BitAccess;
  f.variablePointersStorageBuffer = vp.variablePointersStorageBuffer;
  f.variablePointers = vp.variablePointers;
  f.storageBuffer8 = s8.storageBuffer8BitAccess;
  f.uniformAndStorageBuffer8 = s8.uniformAndStorageBuffer8BitAccess;
  f.float16 = f16i8.shaderFloat16;
  f.int8 = f16i8.shaderInt8;
  if (has8 && (f.storageBuffer8 || f.uniformAndStorageBuffer8))
    extensions.push_back(VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
  if (hasF16 && (f.float16 || f.int8))
    extensions.push_back(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
}

DriverStatus VulkanDriver::createDevice() {
  std::vector<const char *> extensions;
  queryFeatures(supported, extensions);
  const Features &f = supported;

  // Enable exactly what was found supported: the same structs, filled in.
  VkPhysicalDeviceFeatures core{};
  core.shaderInt64 = f.int64;
  core.shaderInt16 = f.int16;
  core.shaderFloat64 = f.float64;
  VkPhysicalDeviceVulkan11Features v11{};
  v11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
  v11.storageBuffer16BitAccess = f.storageBuffer16;
  v11.uniformAndStorageBuffer16BitAccess = f.uniformAndStorageBuffer16;
  v11.variablePointersStorageBuffer = f.variablePointersStorageBuffer;
  v11.variablePointers = f.variablePointers;
  VkPhysicalDeviceVulkan12Features v12{};
  v12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
  v12.storageBuffer8BitAccess = f.storageBuffer8;
  v12.uniformAndStorageBuffer8BitAccess = f.uniformAndStorageBuffer8;
  v12.shaderFloat16 = f.float16;
  v12.shaderInt8 = f.int8;
  v12.shaderBufferInt64Atomics = f.int64Atomics;
  v12.vulkanMemoryModel = f.vulkanMemoryModel;
  VkPhysicalDevice16BitStorageFeatures s16{};
  s16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
  s16.storageBuffer16BitAccess = f.storageBuffer16;
  s16.uniformAndStorageBuffer16BitAccess = f.uniformAndStorageBuffer16;
  VkPhysicalDeviceVariablePointersFeatures vp{};
  vp.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VARIABLE_POINTERS_FEATURES;
  vp.variablePointersStorageBuffer = f.variablePointersStorageBuffer;
  vp.variablePointers = f.variablePointers;
  VkPhysicalDevice8BitStorageFeaturesKHR s8{};
  s8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES_KHR;
  s8.storageBuffer8BitAccess = f.storageBuffer8;
  s8.uniformAndStorageBuffer8BitAccess = f.uniformAndStorageBuffer8;
  VkPhysicalDeviceShaderFloat16Int8FeaturesKHR f16i8{};
  f16i8.sType =
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES_KHR;
  f16i8.shaderFloat16 = f.float16;
  f16i8.shaderInt8 = f.int8;

  float priority = 1.0f;
  VkDeviceQueueCreateInfo queueInfo{};
  queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  queueInfo.queueFamilyIndex = queueFamily;
  queueInfo.queueCount = 1;
  queueInfo.pQueuePriorities = &priority;
  VkDeviceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queueInfo;
  info.pEnabledFeatures = &core;
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  if (apiVersion >= VK_API_VERSION_1_2) {
    info.pNext = &v11;
    v11.pNext = &v12;
  } else if (apiVersion >= VK_API_VERSION_1_1) {
    info.pNext = &s16;
    s16.pNext = &vp;
    void **tail = &vp.pNext;
    for (const char *e : extensions) {
      if (std::strcmp(e, VK_KHR_8BIT_STORAGE_EXTENSION_NAME) == 0) {
        *tail = &s8;
        tail = &s8.pNext;
      } else if (std::strcmp(e, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME) ==
                 0) {
        *tail = &f16i8;
        tail = &f16i8.pNext;
      }
    }
  }
  if (VkResult r = fns.vkCreateDevice(physical, &info, nullptr, &device))
    return DriverStatus::error(failure("vkCreateDevice", r));
  std::string error = fns.loadDevice(device);
  if (!error.empty())
    return DriverStatus::error(error);
  fns.vkGetDeviceQueue(device, queueFamily, 0, &queue);

  VkCommandPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  poolInfo.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
  poolInfo.queueFamilyIndex = queueFamily;
  if (VkResult r =
          fns.vkCreateCommandPool(device, &poolInfo, nullptr, &commandPool))
    return DriverStatus::error(failure("vkCreateCommandPool", r));
  VkCommandBufferAllocateInfo allocInfo{};
  allocInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  allocInfo.commandPool = commandPool;
  allocInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  allocInfo.commandBufferCount = 1;
  if (VkResult r =
          fns.vkAllocateCommandBuffers(device, &allocInfo, &commandBuffer))
    return DriverStatus::error(failure("vkAllocateCommandBuffers", r));
  VkFenceCreateInfo fenceInfo{};
  fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  if (VkResult r = fns.vkCreateFence(device, &fenceInfo, nullptr, &fence))
    return DriverStatus::error(failure("vkCreateFence", r));
  return DriverStatus::success();
}

VulkanDriver::~VulkanDriver() {
  if (device) {
    fns.vkDeviceWaitIdle(device);
    destroyHostBuffer(staging);
    destroyHostBuffer(scalars);
    if (descriptorPool)
      fns.vkDestroyDescriptorPool(device, descriptorPool, nullptr);
    if (queryPool)
      fns.vkDestroyQueryPool(device, queryPool, nullptr);
    if (fence)
      fns.vkDestroyFence(device, fence, nullptr);
    if (commandPool)
      fns.vkDestroyCommandPool(device, commandPool, nullptr);
    fns.vkDestroyDevice(device, nullptr);
  }
  if (instance)
    fns.vkDestroyInstance(instance, nullptr);
  fns.unloadLibrary();
}

std::string VulkanDriver::deviceName() const {
  return std::string("vulkan: ") + properties.deviceName;
}

// Capabilities a kernel declares are checked against what the device
// enabled. Shader and Matrix come with every Vulkan compute device; any
// capability not mapped here (Addresses, Kernel, Float16Buffer, ... and
// names this driver does not know) is refused: a module declaring it would
// be invalid for Vulkan or need a feature the driver never enabled, and
// refusing with the kernel's name beats undefined behaviour in the ICD.
bool VulkanDriver::supportsCapability(const std::string &name) const {
  const Features &f = supported;
  if (name == "Shader" || name == "Matrix")
    return true;
  if (name == "Int64")
    return f.int64;
  if (name == "Int64Atomics")
    return f.int64Atomics;
  if (name == "Int16")
    return f.int16;
  if (name == "Int8")
    return f.int8;
  if (name == "Float16")
    return f.float16;
  if (name == "Float64")
    return f.float64;
  if (name == "StorageBuffer16BitAccess" ||
      name == "StorageUniformBufferBlock16")
    return f.storageBuffer16;
  if (name == "UniformAndStorageBuffer16BitAccess" ||
      name == "StorageUniform16")
    return f.uniformAndStorageBuffer16;
  if (name == "StorageBuffer8BitAccess")
    return f.storageBuffer8;
  if (name == "UniformAndStorageBuffer8BitAccess")
    return f.uniformAndStorageBuffer8;
  if (name == "VariablePointersStorageBuffer")
    return f.variablePointersStorageBuffer;
  if (name == "VariablePointers")
    return f.variablePointers;
  if (name == "VulkanMemoryModel")
    return f.vulkanMemoryModel;
  static const struct {
    const char *name;
    VkSubgroupFeatureFlags bit;
  } subgroupCaps[] = {
      {"GroupNonUniform", VK_SUBGROUP_FEATURE_BASIC_BIT},
      {"GroupNonUniformVote", VK_SUBGROUP_FEATURE_VOTE_BIT},
      {"GroupNonUniformArithmetic", VK_SUBGROUP_FEATURE_ARITHMETIC_BIT},
      {"GroupNonUniformBallot", VK_SUBGROUP_FEATURE_BALLOT_BIT},
      {"GroupNonUniformShuffle", VK_SUBGROUP_FEATURE_SHUFFLE_BIT},
      {"GroupNonUniformShuffleRelative",
       VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT},
      {"GroupNonUniformClustered", VK_SUBGROUP_FEATURE_CLUSTERED_BIT},
      {"GroupNonUniformQuad", VK_SUBGROUP_FEATURE_QUAD_BIT},
  };
  for (const auto &cap : subgroupCaps)
    if (name == cap.name)
      return (f.subgroupOps & cap.bit) != 0;
  return false;
}

} // namespace vk
} // namespace nnc::rt
