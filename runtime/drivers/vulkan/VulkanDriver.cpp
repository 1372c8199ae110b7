// VulkanDriver: device buffers, host transfers and the one command buffer
// every submission of the driver goes through.
#include "runtime/drivers/vulkan/VulkanDriver.h"

#include <algorithm>
#include <cstring>

namespace nnc::rt::vk {
namespace {

// Staged transfers move at most this much per submission, so the staging
// buffer stays small whatever the tensor size.
constexpr VkDeviceSize kStagingChunk = VkDeviceSize(16) << 20;

bool outOfRange(uint64_t offset, uint64_t bytes, uint64_t size) {
  return offset > size || bytes > size - offset;
}

} // namespace

VulkanBuffer::~VulkanBuffer() {
  if (driver)
    driver->release(*this);
}

void VulkanDriver::release(VulkanBuffer &b) {
  if (b.mapped)
    fns.vkUnmapMemory(device, b.memory);
  if (b.buffer)
    fns.vkDestroyBuffer(device, b.buffer, nullptr);
  if (b.memory)
    fns.vkFreeMemory(device, b.memory, nullptr);
  b.buffer = VK_NULL_HANDLE;
  b.memory = VK_NULL_HANDLE;
  b.mapped = nullptr;
}

int VulkanDriver::findMemoryType(uint32_t typeBits,
                                 VkMemoryPropertyFlags flags) const {
  for (uint32_t i = 0; i < memoryProperties.memoryTypeCount; ++i)
    if ((typeBits & (1u << i)) &&
        (memoryProperties.memoryTypes[i].propertyFlags & flags) == flags)
      return static_cast<int>(i);
  return -1;
}

DriverStatus VulkanDriver::createBuffer(VkDeviceSize size, bool hostOnly,
                                        VkBuffer &buffer,
                                        VkDeviceMemory &memory, void *&mapped) {
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = size;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
               VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  if (VkResult r = fns.vkCreateBuffer(device, &info, nullptr, &buffer))
    return DriverStatus::error(failure("vkCreateBuffer", r));
  VkMemoryRequirements req{};
  fns.vkGetBufferMemoryRequirements(device, buffer, &req);

  // Candidates best first; the first that allocates wins. Host-visible
  // coherent memory is mapped and needs no staging.
  const VkMemoryPropertyFlags visible = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                        VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  const VkMemoryPropertyFlags local = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  std::vector<VkMemoryPropertyFlags> wanted;
  if (hostOnly)
    wanted = {visible};
  else if (forceStaging)
    wanted = {local, 0};
  else
    wanted = {local | visible, local, 0};
  VkResult last = VK_ERROR_OUT_OF_DEVICE_MEMORY;
  for (VkMemoryPropertyFlags flags : wanted) {
    int type = findMemoryType(req.memoryTypeBits, flags);
    if (type < 0)
      continue;
    VkMemoryAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    alloc.allocationSize = req.size;
    alloc.memoryTypeIndex = static_cast<uint32_t>(type);
    last = fns.vkAllocateMemory(device, &alloc, nullptr, &memory);
    if (last != VK_SUCCESS)
      continue;
    VkMemoryPropertyFlags actual =
        memoryProperties.memoryTypes[type].propertyFlags;
    bool map = (actual & visible) == visible && (hostOnly || !forceStaging);
    VkResult r = fns.vkBindBufferMemory(device, buffer, memory, 0);
    if (r == VK_SUCCESS && map)
      r = fns.vkMapMemory(device, memory, 0, VK_WHOLE_SIZE, 0, &mapped);
    if (r != VK_SUCCESS) {
      fns.vkFreeMemory(device, memory, nullptr);
      fns.vkDestroyBuffer(device, buffer, nullptr);
      memory = VK_NULL_HANDLE;
      buffer = VK_NULL_HANDLE;
      mapped = nullptr;
      return DriverStatus::error(failure(
          map ? "vkBindBufferMemory/vkMapMemory" : "vkBindBufferMemory", r));
    }
    return DriverStatus::success();
  }
  fns.vkDestroyBuffer(device, buffer, nullptr);
  buffer = VK_NULL_HANDLE;
  return DriverStatus::error(failure("vkAllocateMemory", last));
}

DriverStatus VulkanDriver::allocate(uint64_t bytes,
                                    std::unique_ptr<DeviceBuffer> &out) {
  auto b = std::make_unique<VulkanBuffer>();
  // Storage-buffer ranges are whole 4-byte words; a zero-byte tensor still
  // gets a buffer so that it can be bound.
  if (bytes > UINT64_MAX - 3)
    return DriverStatus::error("vulkan: allocation of " +
                               std::to_string(bytes) + " bytes is too large");
  b->capacity = std::max<uint64_t>(4, (bytes + 3) & ~uint64_t(3));
  DriverStatus status =
      createBuffer(b->capacity, false, b->buffer, b->memory, b->mapped);
  if (!status.ok())
    return status;
  b->driver = this;
  b->size = bytes;
  out = std::move(b);
  return DriverStatus::success();
}

DriverStatus VulkanDriver::ensureHostBuffer(HostBuffer &host,
                                            VkDeviceSize size) {
  if (host.capacity >= size)
    return DriverStatus::success();
  destroyHostBuffer(host);
  DriverStatus status =
      createBuffer(size, true, host.buffer, host.memory, host.mapped);
  if (status.ok())
    host.capacity = size;
  return status;
}

void VulkanDriver::destroyHostBuffer(HostBuffer &host) {
  if (host.mapped)
    fns.vkUnmapMemory(device, host.memory);
  if (host.buffer)
    fns.vkDestroyBuffer(device, host.buffer, nullptr);
  if (host.memory)
    fns.vkFreeMemory(device, host.memory, nullptr);
  host = HostBuffer();
}

void VulkanDriver::fullBarrier() {
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT |
                          VK_ACCESS_TRANSFER_WRITE_BIT |
                          VK_ACCESS_HOST_WRITE_BIT;
  barrier.dstAccessMask =
      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
      VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  const VkPipelineStageFlags stages =
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  fns.vkCmdPipelineBarrier(commandBuffer, stages | VK_PIPELINE_STAGE_HOST_BIT,
                           stages, 0, 1, &barrier, 0, nullptr, 0, nullptr);
}

DriverStatus VulkanDriver::beginCommands() {
  if (VkResult r = fns.vkResetCommandPool(device, commandPool, 0))
    return DriverStatus::error(failure("vkResetCommandPool", r));
  VkCommandBufferBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  if (VkResult r = fns.vkBeginCommandBuffer(commandBuffer, &begin))
    return DriverStatus::error(failure("vkBeginCommandBuffer", r));
  fullBarrier();
  return DriverStatus::success();
}

DriverStatus VulkanDriver::submitAndWait() {
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  barrier.srcAccessMask =
      VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  fns.vkCmdPipelineBarrier(
      commandBuffer,
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
      VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr, 0, nullptr);
  if (VkResult r = fns.vkEndCommandBuffer(commandBuffer))
    return DriverStatus::error(failure("vkEndCommandBuffer", r));
  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &commandBuffer;
  if (VkResult r = fns.vkQueueSubmit(queue, 1, &submit, fence))
    return DriverStatus::error(failure("vkQueueSubmit", r));
  VkResult waited = fns.vkWaitForFences(device, 1, &fence, VK_TRUE, UINT64_MAX);
  VkResult reset = fns.vkResetFences(device, 1, &fence);
  if (waited != VK_SUCCESS)
    return DriverStatus::error(failure("vkWaitForFences", waited));
  if (reset != VK_SUCCESS)
    return DriverStatus::error(failure("vkResetFences", reset));
  return DriverStatus::success();
}

DriverStatus VulkanDriver::stagedCopy(VulkanBuffer &b, uint64_t offset,
                                      void *host, uint64_t bytes,
                                      bool toDevice) {
  DriverStatus status =
      ensureHostBuffer(staging, std::min<VkDeviceSize>(bytes, kStagingChunk));
  if (!status.ok())
    return status;
  auto *cursor = static_cast<uint8_t *>(host);
  for (uint64_t done = 0; done < bytes;) {
    uint64_t n = std::min<uint64_t>(bytes - done, staging.capacity);
    if (toDevice)
      std::memcpy(staging.mapped, cursor + done, n);
    status = beginCommands();
    if (!status.ok())
      return status;
    VkBufferCopy region{};
    region.size = n;
    if (toDevice) {
      region.dstOffset = offset + done;
      fns.vkCmdCopyBuffer(commandBuffer, staging.buffer, b.buffer, 1, &region);
    } else {
      region.srcOffset = offset + done;
      fns.vkCmdCopyBuffer(commandBuffer, b.buffer, staging.buffer, 1, &region);
    }
    status = submitAndWait();
    if (!status.ok())
      return status;
    if (!toDevice)
      std::memcpy(cursor + done, staging.mapped, n);
    done += n;
  }
  return DriverStatus::success();
}

DriverStatus VulkanDriver::write(DeviceBuffer &dst, uint64_t offset,
                                 const void *src, uint64_t bytes) {
  auto &b = static_cast<VulkanBuffer &>(dst);
  if (outOfRange(offset, bytes, b.size))
    return DriverStatus::error("vulkan: write of " + std::to_string(bytes) +
                               " bytes at offset " + std::to_string(offset) +
                               " overruns a buffer of " +
                               std::to_string(b.size) + " bytes");
  if (bytes == 0)
    return DriverStatus::success();
  if (b.mapped) {
    std::memcpy(static_cast<uint8_t *>(b.mapped) + offset, src, bytes);
    return DriverStatus::success();
  }
  return stagedCopy(b, offset, const_cast<void *>(src), bytes, true);
}

DriverStatus VulkanDriver::read(DeviceBuffer &src, uint64_t offset, void *dst,
                                uint64_t bytes) {
  auto &b = static_cast<VulkanBuffer &>(src);
  if (outOfRange(offset, bytes, b.size))
    return DriverStatus::error("vulkan: read of " + std::to_string(bytes) +
                               " bytes at offset " + std::to_string(offset) +
                               " overruns a buffer of " +
                               std::to_string(b.size) + " bytes");
  if (bytes == 0)
    return DriverStatus::success();
  if (b.mapped) {
    std::memcpy(dst, static_cast<uint8_t *>(b.mapped) + offset, bytes);
    return DriverStatus::success();
  }
  return stagedCopy(b, offset, dst, bytes, false);
}

} // namespace nnc::rt::vk
