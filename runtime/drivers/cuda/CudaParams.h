// CudaParams: the CUDA driver's pure parts (kernel-parameter packing, PTX
// entry signatures, launch-shape limits), testable without a GPU.
#ifndef NNC_RUNTIME_DRIVERS_CUDA_CUDAPARAMS_H
#define NNC_RUNTIME_DRIVERS_CUDA_CUDAPARAMS_H

#include "runtime/drivers/Driver.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nnc::rt::cuda {

/// A CUDA allocation: `ptr` is a CUdeviceptr (0 for a zero-byte buffer).
struct CudaBuffer : DeviceBuffer {
  uint64_t ptr = 0;
};

/// cuLaunchKernel's `kernelParams`: one pointer per kernel parameter into
/// `storage`, where each parameter sits at its natural alignment.
struct PackedParams {
  std::vector<uint8_t> storage;
  std::vector<uint32_t> offsets, sizes; // per kernel parameter, in bytes
  std::vector<void *> pointers;         // storage.data() + offsets[i]
};

/// Packs `args` as MLIR's GPU-to-NVVM lowering expects with the default
/// (non-bare-pointer) calling convention. A rank-R memref expands into
/// 3 + 2R parameters: allocated pointer, aligned pointer (both the buffer's
/// device address + byteOffset), offset (i64), sizes (R x i64), strides
/// (R x i64). Scalars take their natural size (index = i64; f32/f16/bf16 by
/// the bit pattern in the low bits of `value`). Memref buffers must be
/// CudaBuffers. `out` is overwritten; errors name the argument.
DriverStatus packKernelParams(const std::vector<KernelArg> &args,
                              PackedParams &out);

/// Byte sizes of the parameters of `.entry <entry>(...)` in PTX text
/// (".param .u64 x" -> 8, ".param .align 2 .b8 x[2]" -> 2). False (with
/// `error` set) when the entry is missing or a parameter is not understood.
bool parsePtxEntryParams(const std::string &ptx, const std::string &entry,
                         std::vector<uint32_t> &sizes, std::string &error);

/// What a device accepts for cuLaunchKernel's grid and block.
struct LaunchLimits {
  uint64_t maxGrid[3] = {2147483647u, 65535u, 65535u};
  uint64_t maxBlock[3] = {1024u, 1024u, 64u};
  uint64_t maxThreadsPerBlock = 1024u;
};

/// Checks a launch's grid and block against `limits`; `kernel` names it in
/// the message. A grid with a zero (nothing to run) passes: the caller skips
/// such launches.
DriverStatus checkLaunchShape(const uint64_t grid[3], const uint64_t block[3],
                              const LaunchLimits &limits,
                              const std::string &kernel);

} // namespace nnc::rt::cuda

#endif // NNC_RUNTIME_DRIVERS_CUDA_CUDAPARAMS_H
