// Driver: the small vtable behind which each device (Vulkan, CUDA) sits.
//
// The runtime core (runtime/src) evaluates a model's launch plan into a list
// of Commands over DeviceBuffers and hands it to a Driver; the driver owns
// everything device-specific: how a kernel blob is loaded, how a memref
// argument is passed (a Vulkan storage-buffer binding, a CUDA memref
// descriptor) and how an `index` scalar is sized (32 bits in SPIR-V, 64 in
// PTX). Drivers load their system library (libvulkan.so.1, libcuda.so.1) with
// dlopen, so a runtime binary built here runs where either, both or neither
// exists. No exceptions; every fallible call returns a DriverStatus.
#ifndef NNC_RUNTIME_DRIVERS_DRIVER_H
#define NNC_RUNTIME_DRIVERS_DRIVER_H

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nnc::rt {

/// Empty message: success.
struct DriverStatus {
  std::string message;
  bool ok() const { return message.empty(); }
  static DriverStatus success() { return {}; }
  static DriverStatus error(std::string m) {
    if (m.empty())
      m = "unknown driver error";
    return {std::move(m)};
  }
};

/// A device allocation; drivers derive their own.
struct DeviceBuffer {
  virtual ~DeviceBuffer() = default;
  uint64_t size = 0;
};

/// One kernel, as the model file stores it for this driver's target.
struct KernelBlob {
  std::string module;   // the gpu.module it came from ("forward_kernel_3")
  std::string function; // the entry point inside it ("forward_kernel")
  std::vector<uint8_t> code; // SPIR-V words (little endian) or PTX text
  /// SPIR-V only: capabilities the module declares ("Int64", "Float16", ...),
  /// so the driver can refuse a kernel the device cannot run with a message.
  std::vector<std::string> capabilities;
  uint32_t block[3] = {1, 1, 1}; // workgroup size fixed at compile time
};

/// Scalar kinds a kernel argument can have.
enum class ScalarType { Index, I1, I8, I16, I32, I64, F16, BF16, F32, F64 };

struct KernelArg {
  enum class Kind { Memref, Scalar };
  Kind kind = Kind::Memref;

  // Memref: `buffer` + `byteOffset` is where the view's root allocation
  // starts (always 256-byte aligned). `offset`, `sizes` and `strides` are in
  // elements, as MLIR's memref descriptor holds them; `offset` is also baked
  // into the kernel's type, so the Vulkan driver binds the root and ignores
  // it, while the CUDA driver passes it in the descriptor.
  DeviceBuffer *buffer = nullptr;
  uint64_t byteOffset = 0;
  uint64_t byteSize = 0; // bytes from byteOffset that the root spans
  uint32_t elementBytes = 4;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;

  // Scalar: the value, as an integer (floats by bit pattern in `bits`).
  ScalarType scalarType = ScalarType::Index;
  int64_t value = 0;
};

struct Command {
  enum class Kind { Launch, Copy };
  Kind kind = Kind::Launch;
  // Launch
  uint32_t kernel = 0; // index into the blobs given to loadKernels
  uint64_t grid[3] = {1, 1, 1};
  uint64_t block[3] = {1, 1, 1};
  std::vector<KernelArg> args;
  // Copy (device to device, non-overlapping)
  DeviceBuffer *src = nullptr, *dst = nullptr;
  uint64_t srcOffset = 0, dstOffset = 0, bytes = 0;
};

/// A set of loaded kernels, owned by the driver's caller.
struct Program {
  virtual ~Program() = default;
};

class Driver {
public:
  virtual ~Driver() = default;

  /// "vulkan: llvmpipe (LLVM 15.0.6, 256 bits)", "cuda: NVIDIA H100 ...".
  virtual std::string deviceName() const = 0;
  /// "vulkan" or "cuda": which kernels of the model file it takes.
  virtual const char *target() const = 0;

  virtual DriverStatus allocate(uint64_t bytes,
                                std::unique_ptr<DeviceBuffer> &out) = 0;
  virtual DriverStatus write(DeviceBuffer &dst, uint64_t offset,
                             const void *src, uint64_t bytes) = 0;
  virtual DriverStatus read(DeviceBuffer &src, uint64_t offset, void *dst,
                            uint64_t bytes) = 0;

  /// Compiles/loads every blob; a kernel the device cannot run (a missing
  /// capability, a PTX JIT failure) is an error naming the kernel.
  virtual DriverStatus loadKernels(const std::vector<KernelBlob> &blobs,
                                   std::unique_ptr<Program> &out) = 0;

  /// Runs the commands in order, each seeing the writes of the ones before,
  /// and returns when all have finished on the device.
  virtual DriverStatus execute(Program &program,
                               const std::vector<Command> &commands) = 0;

  /// How long each command of one execute took (NNRT_PROFILE).
  struct CommandTimes {
    std::vector<double> ms; // per command, in order; ~0 for a skipped one
    std::string clock;      // how they were measured, for the report
  };

  /// Like execute, and fills `times`. Drivers override it with device
  /// timers (Vulkan timestamp queries, CUDA events); this default is the
  /// fallback: one execute per command, each timed on the host clock, so a
  /// time includes that execute's submission and wait.
  virtual DriverStatus executeTimed(Program &program,
                                    const std::vector<Command> &commands,
                                    CommandTimes &times) {
    times.ms.assign(commands.size(), 0.0);
    times.clock = "host clock, one submission per command";
    for (size_t i = 0; i < commands.size(); ++i) {
      auto start = std::chrono::steady_clock::now();
      DriverStatus s = execute(program, {commands[i]});
      if (!s.ok())
        return s;
      times.ms[i] = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    }
    return DriverStatus::success();
  }
};

/// Each returns an error message (and no driver) when the system library is
/// missing or no device can be opened. `ordinal` picks among several devices.
DriverStatus createVulkanDriver(int ordinal, std::unique_ptr<Driver> &out);
DriverStatus createCudaDriver(int ordinal, std::unique_ptr<Driver> &out);

} // namespace nnc::rt

#endif // NNC_RUNTIME_DRIVERS_DRIVER_H
