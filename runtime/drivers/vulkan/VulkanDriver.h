// VulkanDriver: the Driver behind which a Vulkan compute device sits
// (declarations shared by VulkanDevice.cpp, VulkanDriver.cpp and
// VulkanExecute.cpp).
#ifndef NNC_RUNTIME_DRIVERS_VULKAN_VULKANDRIVER_H
#define NNC_RUNTIME_DRIVERS_VULKAN_VULKANDRIVER_H

#include "runtime/drivers/Driver.h"
#include "runtime/drivers/vulkan/VulkanLoader.h"

namespace nnc::rt::vk {

class VulkanDriver;

/// A VkBuffer with its own memory. `mapped` is set when that memory is
/// host-visible and coherent (lavapipe, unified memory); read and write then
/// copy directly, otherwise they go through the driver's staging buffer.
/// Buffers must be destroyed before their driver.
struct VulkanBuffer : DeviceBuffer {
  VulkanDriver *driver = nullptr;
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize capacity = 0; // >= size: zero-byte buffers are rounded up
  void *mapped = nullptr;
  ~VulkanBuffer() override;
};

/// One loaded kernel: its pipeline and the layout of its bindings.
struct VulkanKernel {
  std::string name; // "add_relu_kernel_0 (entry add_relu_kernel)"
  uint32_t numBindings = 0;
  VkShaderModule module = VK_NULL_HANDLE;
  VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
  VkPipelineLayout pipelineLayout = VK_NULL_HANDLE;
  VkPipeline pipeline = VK_NULL_HANDLE;
};

/// Programs must be destroyed before their driver.
struct VulkanProgram : Program {
  VulkanDriver *driver = nullptr;
  std::vector<VulkanKernel> kernels;
  ~VulkanProgram() override;
};

/// Device features a kernel's capabilities may need; what the device
/// supports is also what the driver enabled.
struct Features {
  bool int64 = false, int16 = false, int8 = false, float16 = false,
       float64 = false, int64Atomics = false;
  bool storageBuffer16 = false, uniformAndStorageBuffer16 = false;
  bool storageBuffer8 = false, uniformAndStorageBuffer8 = false;
  bool variablePointersStorageBuffer = false, variablePointers = false;
  bool vulkanMemoryModel = false;
  VkSubgroupFeatureFlags subgroupOps = 0; // 0 unless compute supports them
};

/// A host-visible, coherent buffer the driver keeps for its own use.
struct HostBuffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize capacity = 0;
  void *mapped = nullptr;
};

class VulkanDriver final : public Driver {
public:
  VulkanDriver() = default;
  VulkanDriver(const VulkanDriver &) = delete;
  VulkanDriver &operator=(const VulkanDriver &) = delete;
  ~VulkanDriver() override;

  /// Opens the `ordinal`-th device that has a compute queue.
  DriverStatus init(int ordinal, bool forceStaging);

  std::string deviceName() const override;
  const char *target() const override { return "vulkan"; }
  DriverStatus allocate(uint64_t bytes,
                        std::unique_ptr<DeviceBuffer> &out) override;
  DriverStatus write(DeviceBuffer &dst, uint64_t offset, const void *src,
                     uint64_t bytes) override;
  DriverStatus read(DeviceBuffer &src, uint64_t offset, void *dst,
                    uint64_t bytes) override;
  DriverStatus loadKernels(const std::vector<KernelBlob> &blobs,
                           std::unique_ptr<Program> &out) override;
  DriverStatus execute(Program &program,
                       const std::vector<Command> &commands) override;
  /// With timestamp queries around each command where the queue has them
  /// (timestampValidBits), else Driver's host-clock fallback.
  DriverStatus executeTimed(Program &program,
                            const std::vector<Command> &commands,
                            CommandTimes &times) override;

  const Features &features() const { return supported; }
  /// Whether the device can run a kernel declaring capability `name`.
  bool supportsCapability(const std::string &name) const;

  void release(VulkanBuffer &buffer);
  void release(VulkanKernel &kernel);

private:
  DriverStatus pickDevice(int ordinal);
  DriverStatus createDevice();
  void queryFeatures(Features &out, std::vector<const char *> &extensions);
  int findMemoryType(uint32_t typeBits, VkMemoryPropertyFlags flags) const;
  /// hostOnly: host-visible coherent memory, mapped (staging, scalars).
  DriverStatus createBuffer(VkDeviceSize size, bool hostOnly, VkBuffer &buffer,
                            VkDeviceMemory &memory, void *&mapped);
  DriverStatus ensureHostBuffer(HostBuffer &host, VkDeviceSize size);
  void destroyHostBuffer(HostBuffer &host);
  DriverStatus loadKernel(const KernelBlob &blob, VulkanKernel &kernel);
  DriverStatus ensureDescriptorPool(uint32_t sets, uint32_t descriptors);
  /// execute, with a timestamp before and after each command when `times`.
  DriverStatus run(Program &program, const std::vector<Command> &commands,
                   CommandTimes *times);
  DriverStatus ensureQueryPool(uint32_t queries);
  /// Resets the command buffer and begins it with a full barrier, so that
  /// every submission sees all writes of the ones before.
  DriverStatus beginCommands();
  /// Ends with a barrier to host reads, submits, and waits for the fence.
  DriverStatus submitAndWait();
  void fullBarrier();
  DriverStatus stagedCopy(VulkanBuffer &buffer, uint64_t offset, void *host,
                          uint64_t bytes, bool toDevice);

  Fns fns;
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t queueFamily = 0;
  uint32_t apiVersion = 0; // the lower of the instance's and the device's
  VkPhysicalDeviceProperties properties{};
  VkPhysicalDeviceMemoryProperties memoryProperties{};
  Features supported;
  bool forceStaging = false;

  VkCommandPool commandPool = VK_NULL_HANDLE;
  VkCommandBuffer commandBuffer = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  HostBuffer staging, scalars;
  VkDescriptorPool descriptorPool = VK_NULL_HANDLE;
  uint32_t poolSets = 0, poolDescriptors = 0;
  // Profiling: timestamp queries (created on the first executeTimed).
  uint32_t timestampBits = 0; // the queue family's timestampValidBits
  VkQueryPool queryPool = VK_NULL_HANDLE;
  uint32_t poolQueries = 0;
};

} // namespace nnc::rt::vk

#endif // NNC_RUNTIME_DRIVERS_VULKAN_VULKANDRIVER_H
