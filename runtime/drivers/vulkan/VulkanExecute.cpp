// VulkanExecute: kernels as compute pipelines, and a command list recorded
// into one command buffer (descriptor sets, scalar arguments, barriers).
#include "runtime/drivers/vulkan/SpirvInfo.h"
#include "runtime/drivers/vulkan/VulkanDriver.h"

#include <algorithm>
#include <cstring>

namespace nnc::rt::vk {
namespace {

constexpr uint32_t kExecutionModelGLCompute = 5;
// Each scalar argument is an 8-byte little-endian slot: a 4-byte `index`
// or i32 reads its low half, an i64 or f64 all of it.
constexpr VkDeviceSize kScalarBytes = 8;

std::string triple(const uint64_t v[3]) {
  return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " +
         std::to_string(v[2]) + ")";
}

bool isSkipped(const Command &c) {
  return c.kind == Command::Kind::Launch &&
         (c.grid[0] == 0 || c.grid[1] == 0 || c.grid[2] == 0);
}

} // namespace

VulkanProgram::~VulkanProgram() {
  for (VulkanKernel &k : kernels)
    driver->release(k);
}

void VulkanDriver::release(VulkanKernel &k) {
  if (k.pipeline)
    fns.vkDestroyPipeline(device, k.pipeline, nullptr);
  if (k.pipelineLayout)
    fns.vkDestroyPipelineLayout(device, k.pipelineLayout, nullptr);
  if (k.setLayout)
    fns.vkDestroyDescriptorSetLayout(device, k.setLayout, nullptr);
  if (k.module)
    fns.vkDestroyShaderModule(device, k.module, nullptr);
  k = VulkanKernel();
}

DriverStatus VulkanDriver::loadKernels(const std::vector<KernelBlob> &blobs,
                                       std::unique_ptr<Program> &out) {
  auto program = std::make_unique<VulkanProgram>();
  program->driver = this;
  program->kernels.resize(blobs.size());
  for (size_t i = 0; i < blobs.size(); ++i) {
    DriverStatus status = loadKernel(blobs[i], program->kernels[i]);
    if (!status.ok())
      return status; // ~VulkanProgram frees what was created
  }
  out = std::move(program);
  return DriverStatus::success();
}

DriverStatus VulkanDriver::loadKernel(const KernelBlob &blob, VulkanKernel &k) {
  k.name = blob.module + " (entry " + blob.function + ")";
  const std::string prefix = "vulkan: kernel " + k.name + ": ";
  auto refuse = [&](const std::string &capability) {
    // Subgroup operations are nnc's choice for reductions, not the model's.
    std::string hint =
        capability.rfind("GroupNonUniform", 0) == 0
            ? " (compile the model with nnc --no-subgroup-ops)"
            : "";
    return DriverStatus::error(prefix + "needs the SPIR-V capability " +
                               capability + ", which " + properties.deviceName +
                               " does not support" + hint);
  };
  for (const std::string &capability : blob.capabilities)
    if (!supportsCapability(capability))
      return refuse(capability);
  SpirvInfo info;
  std::string error = parseSpirv(blob.code, info);
  if (!error.empty())
    return DriverStatus::error(prefix + "invalid SPIR-V: " + error);
  // The module's own declarations are checked too, in case the blob's list
  // is incomplete.
  for (const std::string &capability : info.capabilities)
    if (!supportsCapability(capability))
      return refuse(capability);
  if (info.hasOtherSets)
    return DriverStatus::error(prefix + "binds descriptor sets other than 0");
  const SpirvInfo::EntryPoint *entry = nullptr;
  for (const SpirvInfo::EntryPoint &e : info.entryPoints)
    if (e.model == kExecutionModelGLCompute && e.name == blob.function)
      entry = &e;
  if (!entry)
    return DriverStatus::error(prefix + "has no GLCompute entry point '" +
                               blob.function + "'");
  const VkPhysicalDeviceLimits &limits = properties.limits;
  uint64_t invocations = 1;
  for (int d = 0; d < 3; ++d) {
    invocations *= std::max<uint32_t>(entry->localSize[d], 1);
    if (entry->localSize[d] > limits.maxComputeWorkGroupSize[d])
      return DriverStatus::error(
          prefix +
          "workgroup size exceeds the device's maxComputeWorkGroupSize");
  }
  if (invocations > limits.maxComputeWorkGroupInvocations)
    return DriverStatus::error(
        prefix + "workgroup of " + std::to_string(invocations) +
        " invocations exceeds the device's maxComputeWorkGroupInvocations (" +
        std::to_string(limits.maxComputeWorkGroupInvocations) + ")");
  if (info.numBindings > limits.maxPerStageDescriptorStorageBuffers)
    return DriverStatus::error(
        prefix + std::to_string(info.numBindings) +
        " storage buffers exceed the device's limit of " +
        std::to_string(limits.maxPerStageDescriptorStorageBuffers));
  k.numBindings = info.numBindings;

  std::vector<uint32_t> words(blob.code.size() / 4);
  std::memcpy(words.data(), blob.code.data(), words.size() * 4);
  VkShaderModuleCreateInfo moduleInfo{};
  moduleInfo.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  moduleInfo.codeSize = words.size() * 4;
  moduleInfo.pCode = words.data();
  if (VkResult r =
          fns.vkCreateShaderModule(device, &moduleInfo, nullptr, &k.module))
    return DriverStatus::error(failure("vkCreateShaderModule", r) + " (" +
                               k.name + ")");

  std::vector<VkDescriptorSetLayoutBinding> bindings(k.numBindings);
  for (uint32_t i = 0; i < k.numBindings; ++i) {
    bindings[i].binding = i;
    bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo setInfo{};
  setInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  setInfo.bindingCount = k.numBindings;
  setInfo.pBindings = bindings.data();
  if (VkResult r = fns.vkCreateDescriptorSetLayout(device, &setInfo, nullptr,
                                                   &k.setLayout))
    return DriverStatus::error(failure("vkCreateDescriptorSetLayout", r) +
                               " (" + k.name + ")");
  VkPipelineLayoutCreateInfo layoutInfo{};
  layoutInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layoutInfo.setLayoutCount = 1;
  layoutInfo.pSetLayouts = &k.setLayout;
  if (VkResult r = fns.vkCreatePipelineLayout(device, &layoutInfo, nullptr,
                                              &k.pipelineLayout))
    return DriverStatus::error(failure("vkCreatePipelineLayout", r) + " (" +
                               k.name + ")");
  VkComputePipelineCreateInfo pipelineInfo{};
  pipelineInfo.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  pipelineInfo.stage.sType =
      VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  pipelineInfo.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pipelineInfo.stage.module = k.module;
  pipelineInfo.stage.pName = blob.function.c_str();
  pipelineInfo.layout = k.pipelineLayout;
  if (VkResult r = fns.vkCreateComputePipelines(
          device, VK_NULL_HANDLE, 1, &pipelineInfo, nullptr, &k.pipeline)) {
    k.pipeline = VK_NULL_HANDLE;
    return DriverStatus::error(failure("vkCreateComputePipelines", r) + " (" +
                               k.name + ")");
  }
  return DriverStatus::success();
}

DriverStatus VulkanDriver::ensureDescriptorPool(uint32_t sets,
                                                uint32_t descriptors) {
  sets = std::max<uint32_t>(sets, 1);
  descriptors = std::max<uint32_t>(descriptors, 1);
  if (descriptorPool && sets <= poolSets && descriptors <= poolDescriptors) {
    if (VkResult r = fns.vkResetDescriptorPool(device, descriptorPool, 0))
      return DriverStatus::error(failure("vkResetDescriptorPool", r));
    return DriverStatus::success();
  }
  // Grown geometrically so that a training loop settles on one pool, which
  // is then reset (not reallocated) on every execute.
  sets = std::max({sets, 2 * poolSets, 64u});
  descriptors = std::max({descriptors, 2 * poolDescriptors, 512u});
  if (descriptorPool)
    fns.vkDestroyDescriptorPool(device, descriptorPool, nullptr);
  descriptorPool = VK_NULL_HANDLE;
  poolSets = poolDescriptors = 0;
  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptors};
  VkDescriptorPoolCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  info.maxSets = sets;
  info.poolSizeCount = 1;
  info.pPoolSizes = &size;
  if (VkResult r =
          fns.vkCreateDescriptorPool(device, &info, nullptr, &descriptorPool))
    return DriverStatus::error(failure("vkCreateDescriptorPool", r));
  poolSets = sets;
  poolDescriptors = descriptors;
  return DriverStatus::success();
}

DriverStatus VulkanDriver::ensureQueryPool(uint32_t queries) {
  if (queryPool && queries <= poolQueries)
    return DriverStatus::success();
  queries = std::max({queries, 2 * poolQueries, 128u});
  if (queryPool)
    fns.vkDestroyQueryPool(device, queryPool, nullptr);
  queryPool = VK_NULL_HANDLE;
  poolQueries = 0;
  VkQueryPoolCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
  info.queryType = VK_QUERY_TYPE_TIMESTAMP;
  info.queryCount = queries;
  if (VkResult r = fns.vkCreateQueryPool(device, &info, nullptr, &queryPool))
    return DriverStatus::error(failure("vkCreateQueryPool", r));
  poolQueries = queries;
  return DriverStatus::success();
}

DriverStatus VulkanDriver::execute(Program &program,
                                   const std::vector<Command> &commands) {
  return run(program, commands, nullptr);
}

DriverStatus VulkanDriver::executeTimed(Program &program,
                                        const std::vector<Command> &commands,
                                        CommandTimes &times) {
  // A queue family without timestamps (timestampValidBits 0; devices with
  // timestampComputeAndGraphics have them on every compute queue) falls
  // back to one submission per command on the host clock.
  if (!timestampBits || commands.size() > UINT32_MAX / 2)
    return Driver::executeTimed(program, commands, times);
  return run(program, commands, &times);
}

DriverStatus VulkanDriver::run(Program &program,
                               const std::vector<Command> &commands,
                               CommandTimes *times) {
  auto &prog = static_cast<VulkanProgram &>(program);
  if (prog.driver != this)
    return DriverStatus::error("vulkan: the program was loaded by another "
                               "driver");
  const VkPhysicalDeviceLimits &limits = properties.limits;
  const VkDeviceSize align =
      std::max<VkDeviceSize>(limits.minStorageBufferOffsetAlignment, 1);
  const VkDeviceSize slot = (kScalarBytes + align - 1) / align * align;

  // Check every command before recording any, and count what to allocate.
  uint64_t sets = 0, descriptors = 0, scalarCount = 0;
  for (size_t c = 0; c < commands.size(); ++c) {
    const Command &cmd = commands[c];
    const std::string where = "vulkan: command " + std::to_string(c) + ": ";
    if (cmd.kind == Command::Kind::Copy) {
      if (!cmd.src || !cmd.dst)
        return DriverStatus::error(where + "copy without a buffer");
      if (cmd.srcOffset > cmd.src->size ||
          cmd.bytes > cmd.src->size - cmd.srcOffset ||
          cmd.dstOffset > cmd.dst->size ||
          cmd.bytes > cmd.dst->size - cmd.dstOffset)
        return DriverStatus::error(where + "copy of " +
                                   std::to_string(cmd.bytes) +
                                   " bytes overruns a buffer");
      if (cmd.src == cmd.dst && cmd.bytes &&
          cmd.srcOffset < cmd.dstOffset + cmd.bytes &&
          cmd.dstOffset < cmd.srcOffset + cmd.bytes)
        return DriverStatus::error(where + "copy ranges overlap");
      continue;
    }
    if (cmd.kernel >= prog.kernels.size())
      return DriverStatus::error(
          where + "kernel index " + std::to_string(cmd.kernel) +
          " is out of range (" + std::to_string(prog.kernels.size()) +
          " kernels loaded)");
    const VulkanKernel &k = prog.kernels[cmd.kernel];
    if (isSkipped(cmd))
      continue;
    const uint64_t maxGrid[3] = {limits.maxComputeWorkGroupCount[0],
                                 limits.maxComputeWorkGroupCount[1],
                                 limits.maxComputeWorkGroupCount[2]};
    for (int d = 0; d < 3; ++d)
      if (cmd.grid[d] > maxGrid[d])
        return DriverStatus::error(
            where + "grid " + triple(cmd.grid) + " of kernel " + k.name +
            " exceeds the device's maxComputeWorkGroupCount " +
            triple(maxGrid));
    if (cmd.args.size() != k.numBindings)
      return DriverStatus::error(
          where + "kernel " + k.name + " binds " +
          std::to_string(k.numBindings) + " buffers but the launch passes " +
          std::to_string(cmd.args.size()) + " arguments");
    for (size_t i = 0; i < cmd.args.size(); ++i) {
      const KernelArg &arg = cmd.args[i];
      const std::string argWhere =
          where + "argument " + std::to_string(i) + " of " + k.name + ": ";
      if (arg.kind == KernelArg::Kind::Scalar) {
        if (arg.scalarType == ScalarType::Index &&
            (arg.value < INT32_MIN || arg.value > INT32_MAX))
          return DriverStatus::error(argWhere + "index value " +
                                     std::to_string(arg.value) +
                                     " does not fit the kernel's 32 bits");
        ++scalarCount;
        continue;
      }
      if (!arg.buffer)
        return DriverStatus::error(argWhere + "memref without a buffer");
      auto *b = static_cast<VulkanBuffer *>(arg.buffer);
      if (arg.byteOffset % align != 0)
        return DriverStatus::error(argWhere + "byte offset " +
                                   std::to_string(arg.byteOffset) +
                                   " is not a multiple of the device's "
                                   "minStorageBufferOffsetAlignment (" +
                                   std::to_string(align) + ")");
      if (arg.byteOffset > b->size || arg.byteSize > b->size - arg.byteOffset)
        return DriverStatus::error(
            argWhere + std::to_string(arg.byteSize) + " bytes at offset " +
            std::to_string(arg.byteOffset) + " overrun a buffer of " +
            std::to_string(b->size) + " bytes");
      if (arg.byteSize > limits.maxStorageBufferRange)
        return DriverStatus::error(
            argWhere + std::to_string(arg.byteSize) +
            " bytes exceed the device's maxStorageBufferRange (" +
            std::to_string(limits.maxStorageBufferRange) + ")");
    }
    if (k.numBindings) {
      ++sets;
      descriptors += k.numBindings;
    }
  }
  if (sets > UINT32_MAX / 2 || descriptors > UINT32_MAX / 2)
    return DriverStatus::error("vulkan: too many launches in one execute");

  DriverStatus status = ensureDescriptorPool(
      static_cast<uint32_t>(sets), static_cast<uint32_t>(descriptors));
  if (!status.ok())
    return status;
  status = ensureHostBuffer(scalars, std::max<uint64_t>(scalarCount, 1) * slot);
  if (!status.ok())
    return status;

  // Descriptor sets, in launch order.
  std::vector<VkDescriptorSetLayout> layouts;
  layouts.reserve(sets);
  for (const Command &cmd : commands)
    if (cmd.kind == Command::Kind::Launch && !isSkipped(cmd) &&
        prog.kernels[cmd.kernel].numBindings)
      layouts.push_back(prog.kernels[cmd.kernel].setLayout);
  std::vector<VkDescriptorSet> descriptorSets(layouts.size());
  if (!layouts.empty()) {
    VkDescriptorSetAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    alloc.descriptorPool = descriptorPool;
    alloc.descriptorSetCount = static_cast<uint32_t>(layouts.size());
    alloc.pSetLayouts = layouts.data();
    if (VkResult r =
            fns.vkAllocateDescriptorSets(device, &alloc, descriptorSets.data()))
      return DriverStatus::error(failure("vkAllocateDescriptorSets", r));
  }

  // One write per set covers its consecutive bindings 0..n-1.
  std::vector<VkDescriptorBufferInfo> infos(descriptors);
  std::vector<VkWriteDescriptorSet> writes;
  writes.reserve(sets);
  auto *scalarBytes = static_cast<uint8_t *>(scalars.mapped);
  size_t nextInfo = 0, nextSet = 0;
  VkDeviceSize nextScalar = 0;
  for (const Command &cmd : commands) {
    if (cmd.kind != Command::Kind::Launch || isSkipped(cmd) ||
        !prog.kernels[cmd.kernel].numBindings)
      continue;
    VkWriteDescriptorSet write{};
    write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    write.dstSet = descriptorSets[nextSet++];
    write.dstBinding = 0;
    write.descriptorCount = static_cast<uint32_t>(cmd.args.size());
    write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    write.pBufferInfo = &infos[nextInfo];
    for (const KernelArg &arg : cmd.args) {
      VkDescriptorBufferInfo &info = infos[nextInfo++];
      if (arg.kind == KernelArg::Kind::Scalar) {
        uint64_t bits = static_cast<uint64_t>(arg.value);
        uint8_t *at = scalarBytes + nextScalar;
        for (VkDeviceSize b = 0; b < kScalarBytes; ++b)
          at[b] = static_cast<uint8_t>(bits >> (8 * b));
        info = {scalars.buffer, nextScalar, kScalarBytes};
        nextScalar += slot;
        continue;
      }
      auto *b = static_cast<VulkanBuffer *>(arg.buffer);
      // An empty view or an unknown extent binds what remains of the buffer
      // (Vulkan has no empty range); a view at its very end binds it whole.
      VkDeviceSize offset = arg.byteOffset, range = arg.byteSize;
      if (range == 0) {
        if (offset >= b->capacity)
          offset = 0;
        range = std::min<VkDeviceSize>(b->capacity - offset,
                                       limits.maxStorageBufferRange);
      }
      info = {b->buffer, offset, range};
    }
    writes.push_back(write);
  }
  if (!writes.empty())
    fns.vkUpdateDescriptorSets(device, static_cast<uint32_t>(writes.size()),
                               writes.data(), 0, nullptr);

  const uint32_t queries = static_cast<uint32_t>(2 * commands.size());
  if (times && queries) {
    status = ensureQueryPool(queries);
    if (!status.ok())
      return status;
  }
  status = beginCommands();
  if (!status.ok())
    return status;
  if (times && queries)
    fns.vkCmdResetQueryPool(commandBuffer, queryPool, 0, queries);
  // Timestamps at BOTTOM_OF_PIPE: each is written once everything recorded
  // before it has finished, so command c's pair brackets exactly its work.
  auto stamp = [&](size_t query) {
    if (times)
      fns.vkCmdWriteTimestamp(commandBuffer,
                              VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queryPool,
                              static_cast<uint32_t>(query));
  };
  nextSet = 0;
  for (size_t c = 0; c < commands.size(); ++c) {
    const Command &cmd = commands[c];
    if (c > 0)
      fullBarrier();
    stamp(2 * c);
    if (cmd.kind == Command::Kind::Copy) {
      if (cmd.bytes) {
        VkBufferCopy region{cmd.srcOffset, cmd.dstOffset, cmd.bytes};
        fns.vkCmdCopyBuffer(
            commandBuffer, static_cast<VulkanBuffer *>(cmd.src)->buffer,
            static_cast<VulkanBuffer *>(cmd.dst)->buffer, 1, &region);
      }
    } else if (!isSkipped(cmd)) {
      const VulkanKernel &k = prog.kernels[cmd.kernel];
      fns.vkCmdBindPipeline(commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE,
                            k.pipeline);
      if (k.numBindings)
        fns.vkCmdBindDescriptorSets(
            commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, k.pipelineLayout, 0,
            1, &descriptorSets[nextSet++], 0, nullptr);
      fns.vkCmdDispatch(commandBuffer, static_cast<uint32_t>(cmd.grid[0]),
                        static_cast<uint32_t>(cmd.grid[1]),
                        static_cast<uint32_t>(cmd.grid[2]));
    }
    stamp(2 * c + 1);
  }
  status = submitAndWait();
  if (!status.ok() || !times)
    return status;

  times->ms.assign(commands.size(), 0.0);
  times->clock = "vulkan timestamp queries";
  if (!queries)
    return DriverStatus::success();
  std::vector<uint64_t> ticks(queries);
  if (VkResult r = fns.vkGetQueryPoolResults(
          device, queryPool, 0, queries, ticks.size() * sizeof(uint64_t),
          ticks.data(), sizeof(uint64_t),
          VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT))
    return DriverStatus::error(failure("vkGetQueryPoolResults", r));
  // Only the low timestampValidBits count; a difference modulo 2^bits
  // survives one wrap-around.
  const uint64_t mask =
      timestampBits >= 64 ? ~uint64_t(0) : (uint64_t(1) << timestampBits) - 1;
  const double nsPerTick = properties.limits.timestampPeriod;
  for (size_t c = 0; c < commands.size(); ++c)
    times->ms[c] =
        double((ticks[2 * c + 1] - ticks[2 * c]) & mask) * nsPerTick * 1e-6;
  return DriverStatus::success();
}

} // namespace nnc::rt::vk
