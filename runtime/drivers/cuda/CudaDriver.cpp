// CudaDriver: runs PTX kernels through the CUDA driver API, which it loads
// from libcuda.so.1 with dlopen (no cuda.h, no link against libcuda).
//
// Lifetime: the device state (library handle, primary context) is shared by
// the driver and every buffer and program it made, and is released when the
// last of them is gone; callers should still destroy programs and buffers
// before the driver, as with any Driver.
#include "runtime/drivers/Driver.h"
#include "runtime/drivers/cuda/CudaParams.h"

#include <dlfcn.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nnc::rt {
namespace {

// The slice of the driver API this file uses, declared as cuda.h (CUDA 13)
// declares it; the _v2 names are the symbols its macros select.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;
struct CUevent_st;
using CUcontext = CUctx_st *;
using CUmodule = CUmod_st *;
using CUfunction = CUfunc_st *;
using CUstream = CUstream_st *;
using CUevent = CUevent_st *;
using CUjit_option = int;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUjit_option CU_JIT_INFO_LOG_BUFFER = 3;
constexpr CUjit_option CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X = 2; // then Y = 3, Z = 4
constexpr int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X = 5;  // then Y = 6, Z = 7
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

struct CudaApi {
  CUresult (*cuInit)(unsigned int);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemcpyDtoD)(CUdeviceptr, CUdeviceptr, size_t);
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned int,
                                 CUjit_option *, void **);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned int, unsigned int,
                             unsigned int, unsigned int, unsigned int,
                             unsigned int, unsigned int, CUstream, void **,
                             void **);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  // Profiling (executeTimed); optional: null when libcuda lacks one, and
  // then executeTimed falls back to the host clock.
  CUresult (*cuEventCreate)(CUevent *, unsigned int);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuEventDestroy)(CUevent);
};

/// The library, the device and its primary context, shared by the driver,
/// its buffers and its programs.
struct CudaDevice {
  void *library = nullptr;
  CudaApi api{};
  CUdevice device = 0;
  CUcontext context = nullptr;
  cuda::LaunchLimits limits;

  ~CudaDevice() {
    if (context)
      api.cuDevicePrimaryCtxRelease(device);
    if (library)
      dlclose(library);
  }

  /// "CUDA_ERROR_INVALID_PTX: a PTX JIT compilation failed".
  std::string describe(CUresult result) const {
    const char *name = nullptr, *text = nullptr;
    if (api.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
      name = nullptr;
    if (api.cuGetErrorString(result, &text) != CUDA_SUCCESS || !text)
      text = nullptr;
    std::string out =
        name ? std::string(name) : "CUresult " + std::to_string(result);
    if (text)
      out += std::string(": ") + text;
    return out;
  }

  DriverStatus check(CUresult result, const std::string &what) const {
    if (result == CUDA_SUCCESS)
      return DriverStatus::success();
    return DriverStatus::error("cuda: " + what +
                               " failed: " + describe(result));
  }

  /// The runtime may call from any thread; the context follows the call.
  DriverStatus makeCurrent() const {
    return check(api.cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }
};

struct CudaBufferImpl : cuda::CudaBuffer {
  std::shared_ptr<CudaDevice> owner;
  ~CudaBufferImpl() override {
    if (ptr && owner->api.cuCtxSetCurrent(owner->context) == CUDA_SUCCESS)
      owner->api.cuMemFree(ptr);
  }
};

struct CudaKernel {
  std::string module, function;
  CUmodule handle = nullptr;
  CUfunction entry = nullptr;
  bool haveSignature = false; // paramBytes read from the PTX's .entry
  std::vector<uint32_t> paramBytes;
};

struct CudaProgram : Program {
  std::shared_ptr<CudaDevice> owner;
  std::vector<CudaKernel> kernels;
  /// One module per distinct PTX text: nnc puts every kernel of a model in
  /// one module, which is JIT-compiled once, not once per kernel.
  std::map<std::string, CUmodule> modules;
  ~CudaProgram() override {
    if (owner->api.cuCtxSetCurrent(owner->context) != CUDA_SUCCESS)
      return;
    for (auto &[ptx, handle] : modules)
      owner->api.cuModuleUnload(handle);
  }
};

class CudaDriver final : public Driver {
public:
  CudaDriver(std::shared_ptr<CudaDevice> device, std::string name)
      : dev(std::move(device)), name(std::move(name)) {}

  std::string deviceName() const override { return name; }
  const char *target() const override { return "cuda"; }

  DriverStatus allocate(uint64_t bytes,
                        std::unique_ptr<DeviceBuffer> &out) override {
    auto buffer = std::make_unique<CudaBufferImpl>();
    buffer->owner = dev;
    buffer->size = bytes;
    if (bytes != 0) {
      if (DriverStatus s = dev->makeCurrent(); !s.ok())
        return s;
      CUdeviceptr ptr = 0;
      if (DriverStatus s =
              dev->check(dev->api.cuMemAlloc(&ptr, bytes),
                         "cuMemAlloc(" + std::to_string(bytes) + " bytes)");
          !s.ok())
        return s;
      buffer->ptr = ptr;
    }
    out = std::move(buffer);
    return DriverStatus::success();
  }

  DriverStatus write(DeviceBuffer &dst, uint64_t offset, const void *src,
                     uint64_t bytes) override {
    uint64_t address = 0;
    if (DriverStatus s = range(dst, offset, bytes, "write", address); !s.ok())
      return s;
    if (bytes == 0)
      return DriverStatus::success();
    if (DriverStatus s = dev->makeCurrent(); !s.ok())
      return s;
    return dev->check(dev->api.cuMemcpyHtoD(address, src, bytes),
                      "cuMemcpyHtoD");
  }

  DriverStatus read(DeviceBuffer &src, uint64_t offset, void *dst,
                    uint64_t bytes) override {
    uint64_t address = 0;
    if (DriverStatus s = range(src, offset, bytes, "read", address); !s.ok())
      return s;
    if (bytes == 0)
      return DriverStatus::success();
    if (DriverStatus s = dev->makeCurrent(); !s.ok())
      return s;
    return dev->check(dev->api.cuMemcpyDtoH(dst, address, bytes),
                      "cuMemcpyDtoH");
  }

  DriverStatus loadKernels(const std::vector<KernelBlob> &blobs,
                           std::unique_ptr<Program> &out) override {
    if (DriverStatus s = dev->makeCurrent(); !s.ok())
      return s;
    auto program = std::make_unique<CudaProgram>();
    program->owner = dev;
    for (const KernelBlob &blob : blobs) {
      if (blob.code.empty())
        return DriverStatus::error("cuda: kernel " + blob.module +
                                   " has no PTX");
      // The blob may lack the NUL that cuModuleLoadDataEx reads up to.
      std::string ptx(blob.code.begin(), blob.code.end());
      if (size_t nul = ptx.find('\0'); nul != std::string::npos)
        ptx.resize(nul);

      CudaKernel kernel;
      kernel.module = blob.module;
      kernel.function = blob.function;
      auto cached = program->modules.find(ptx);
      if (cached != program->modules.end()) {
        kernel.handle = cached->second;
      } else {
        std::vector<char> errorLog(16384, 0), infoLog(4096, 0);
        CUjit_option options[4] = {
            CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
            CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
        void *values[4] = {
            errorLog.data(), reinterpret_cast<void *>(errorLog.size() - 1),
            infoLog.data(), reinterpret_cast<void *>(infoLog.size() - 1)};
        CUresult r = dev->api.cuModuleLoadDataEx(&kernel.handle, ptx.c_str(),
                                                 4, options, values);
        if (r != CUDA_SUCCESS) {
          errorLog.back() = '\0';
          std::string log(errorLog.data());
          while (!log.empty() && (log.back() == '\n' || log.back() == ' '))
            log.pop_back();
          return DriverStatus::error(
              "cuda: cannot load kernel " + blob.module +
              ": cuModuleLoadDataEx failed: " + dev->describe(r) +
              (log.empty() ? std::string() : "\n" + log));
        }
        program->modules[ptx] = kernel.handle;
      }
      // Keep the module in the program at once, so an error below unloads it.
      program->kernels.push_back(kernel);
      CudaKernel &k = program->kernels.back();
      if (DriverStatus s =
              dev->check(dev->api.cuModuleGetFunction(&k.entry, k.handle,
                                                      blob.function.c_str()),
                         "cuModuleGetFunction(" + blob.module + ", " +
                             blob.function + ")");
          !s.ok())
        return s;
      // The signature lets execute refuse a launch whose arguments do not
      // match the entry (a mismatch would make the driver read wild memory).
      std::string ignored;
      k.haveSignature =
          cuda::parsePtxEntryParams(ptx, blob.function, k.paramBytes, ignored);
    }
    out = std::move(program);
    return DriverStatus::success();
  }

  DriverStatus execute(Program &program,
                       const std::vector<Command> &commands) override {
    auto *cudaProgram = dynamic_cast<CudaProgram *>(&program);
    if (!cudaProgram || cudaProgram->owner != dev)
      return DriverStatus::error(
          "cuda: the program was not loaded by this driver");
    if (DriverStatus s = dev->makeCurrent(); !s.ok())
      return s;
    std::string last = "the first command";
    for (size_t i = 0; i < commands.size(); ++i) {
      const Command &c = commands[i];
      DriverStatus s = c.kind == Command::Kind::Launch
                           ? launch(*cudaProgram, c, last)
                           : copy(c, i, last);
      if (!s.ok()) {
        dev->api.cuCtxSynchronize();
        return s;
      }
    }
    // Launches are asynchronous: a fault inside one surfaces here.
    return dev->check(dev->api.cuCtxSynchronize(),
                      "cuCtxSynchronize (after " + last + ")");
  }

  /// execute with an event recorded on the default stream before each
  /// command and after the last; command i took elapsed(event i, i + 1).
  DriverStatus executeTimed(Program &program,
                            const std::vector<Command> &commands,
                            CommandTimes &times) override {
    const CudaApi &api = dev->api;
    if (!api.cuEventCreate || !api.cuEventRecord || !api.cuEventSynchronize ||
        !api.cuEventElapsedTime || !api.cuEventDestroy)
      return Driver::executeTimed(program, commands, times);
    auto *cudaProgram = dynamic_cast<CudaProgram *>(&program);
    if (!cudaProgram || cudaProgram->owner != dev)
      return DriverStatus::error(
          "cuda: the program was not loaded by this driver");
    if (DriverStatus s = dev->makeCurrent(); !s.ok())
      return s;
    std::vector<CUevent> events;
    auto destroy = [&] {
      for (CUevent e : events)
        api.cuEventDestroy(e);
    };
    for (size_t i = 0; i <= commands.size(); ++i) {
      CUevent e = nullptr;
      if (DriverStatus s = dev->check(api.cuEventCreate(&e, 0),
                                      "cuEventCreate");
          !s.ok()) {
        destroy();
        return s;
      }
      events.push_back(e);
    }
    std::string last = "the first command";
    DriverStatus status;
    for (size_t i = 0; i < commands.size() && status.ok(); ++i) {
      status = dev->check(api.cuEventRecord(events[i], nullptr),
                          "cuEventRecord");
      if (!status.ok())
        break;
      const Command &c = commands[i];
      status = c.kind == Command::Kind::Launch ? launch(*cudaProgram, c, last)
                                               : copy(c, i, last);
    }
    if (status.ok())
      status = dev->check(api.cuEventRecord(events.back(), nullptr),
                          "cuEventRecord");
    if (status.ok())
      status = dev->check(api.cuEventSynchronize(events.back()),
                          "cuEventSynchronize (after " + last + ")");
    if (status.ok())
      status = dev->check(api.cuCtxSynchronize(),
                          "cuCtxSynchronize (after " + last + ")");
    else
      api.cuCtxSynchronize();
    times.ms.assign(commands.size(), 0.0);
    times.clock = "cuda events";
    for (size_t i = 0; i < commands.size() && status.ok(); ++i) {
      float ms = 0;
      status = dev->check(
          api.cuEventElapsedTime(&ms, events[i], events[i + 1]),
          "cuEventElapsedTime");
      times.ms[i] = ms;
    }
    destroy();
    return status;
  }

private:
  DriverStatus range(DeviceBuffer &buffer, uint64_t offset, uint64_t bytes,
                     const char *what, uint64_t &address) {
    auto *b = dynamic_cast<cuda::CudaBuffer *>(&buffer);
    if (!b)
      return DriverStatus::error(std::string("cuda: ") + what +
                                 ": the buffer is not a CUDA allocation");
    if (offset > b->size || bytes > b->size - offset)
      return DriverStatus::error(std::string("cuda: ") + what + " of bytes [" +
                                 std::to_string(offset) + ", +" +
                                 std::to_string(bytes) + ") outside a " +
                                 std::to_string(b->size) + "-byte buffer");
    address = b->ptr + offset;
    return DriverStatus::success();
  }

  DriverStatus launch(CudaProgram &program, const Command &c,
                      std::string &last) {
    if (c.kernel >= program.kernels.size())
      return DriverStatus::error(
          "cuda: a launch of kernel #" + std::to_string(c.kernel) +
          ", but the program has " + std::to_string(program.kernels.size()));
    const CudaKernel &k = program.kernels[c.kernel];
    if (DriverStatus s =
            cuda::checkLaunchShape(c.grid, c.block, dev->limits, k.module);
        !s.ok())
      return s;
    if (c.grid[0] == 0 || c.grid[1] == 0 || c.grid[2] == 0)
      return DriverStatus::success();
    cuda::PackedParams params;
    if (DriverStatus s = cuda::packKernelParams(c.args, params); !s.ok())
      return DriverStatus::error(s.message + " (launch of " + k.module + ")");
    if (k.haveSignature && params.sizes != k.paramBytes)
      return DriverStatus::error(
          "cuda: launch of " + k.module + ": the kernel takes " +
          std::to_string(k.paramBytes.size()) +
          " parameters, the arguments expand into " +
          std::to_string(params.sizes.size()) +
          (params.sizes.size() == k.paramBytes.size() ? " of other sizes"
                                                      : ""));
    last = k.module;
    return dev->check(
        dev->api.cuLaunchKernel(
            k.entry, static_cast<unsigned>(c.grid[0]),
            static_cast<unsigned>(c.grid[1]), static_cast<unsigned>(c.grid[2]),
            static_cast<unsigned>(c.block[0]),
            static_cast<unsigned>(c.block[1]),
            static_cast<unsigned>(c.block[2]), 0, nullptr,
            params.pointers.empty() ? nullptr : params.pointers.data(),
            nullptr),
        "cuLaunchKernel(" + k.module + ")");
  }

  DriverStatus copy(const Command &c, size_t index, std::string &last) {
    if (!c.src || !c.dst)
      return DriverStatus::error("cuda: copy command " + std::to_string(index) +
                                 " lacks a buffer");
    uint64_t from = 0, to = 0;
    if (DriverStatus s = range(*c.src, c.srcOffset, c.bytes, "copy", from);
        !s.ok())
      return s;
    if (DriverStatus s = range(*c.dst, c.dstOffset, c.bytes, "copy", to);
        !s.ok())
      return s;
    if (c.bytes == 0)
      return DriverStatus::success();
    last = "copy command " + std::to_string(index);
    return dev->check(dev->api.cuMemcpyDtoD(to, from, c.bytes),
                      "cuMemcpyDtoD (" + last + ")");
  }

  std::shared_ptr<CudaDevice> dev;
  std::string name;
};

template <typename F> bool bind(void *library, F &fn, const char *symbol) {
  fn = reinterpret_cast<F>(dlsym(library, symbol));
  return fn != nullptr;
}

DriverStatus loadApi(void *library, CudaApi &api) {
#define NNC_CUDA_BIND(field, symbol)                                           \
  if (!bind(library, api.field, symbol))                                       \
    return DriverStatus::error("cuda: libcuda.so.1 lacks " symbol              \
                               " (the NVIDIA driver is too old)");
  NNC_CUDA_BIND(cuInit, "cuInit")
  NNC_CUDA_BIND(cuDeviceGetCount, "cuDeviceGetCount")
  NNC_CUDA_BIND(cuDeviceGet, "cuDeviceGet")
  NNC_CUDA_BIND(cuDeviceGetName, "cuDeviceGetName")
  NNC_CUDA_BIND(cuDeviceGetAttribute, "cuDeviceGetAttribute")
  NNC_CUDA_BIND(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
  if (!bind(library, api.cuDevicePrimaryCtxRelease,
            "cuDevicePrimaryCtxRelease_v2"))
    NNC_CUDA_BIND(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease")
  NNC_CUDA_BIND(cuCtxSetCurrent, "cuCtxSetCurrent")
  NNC_CUDA_BIND(cuCtxSynchronize, "cuCtxSynchronize")
  NNC_CUDA_BIND(cuMemAlloc, "cuMemAlloc_v2")
  NNC_CUDA_BIND(cuMemFree, "cuMemFree_v2")
  NNC_CUDA_BIND(cuMemcpyHtoD, "cuMemcpyHtoD_v2")
  NNC_CUDA_BIND(cuMemcpyDtoH, "cuMemcpyDtoH_v2")
  NNC_CUDA_BIND(cuMemcpyDtoD, "cuMemcpyDtoD_v2")
  NNC_CUDA_BIND(cuModuleLoadDataEx, "cuModuleLoadDataEx")
  NNC_CUDA_BIND(cuModuleGetFunction, "cuModuleGetFunction")
  NNC_CUDA_BIND(cuModuleUnload, "cuModuleUnload")
  NNC_CUDA_BIND(cuLaunchKernel, "cuLaunchKernel")
  NNC_CUDA_BIND(cuGetErrorName, "cuGetErrorName")
  NNC_CUDA_BIND(cuGetErrorString, "cuGetErrorString")
#undef NNC_CUDA_BIND
  // Optional (profiling only): a driver lacking them still runs models.
  bind(library, api.cuEventCreate, "cuEventCreate");
  bind(library, api.cuEventRecord, "cuEventRecord");
  bind(library, api.cuEventSynchronize, "cuEventSynchronize");
  if (!bind(library, api.cuEventElapsedTime, "cuEventElapsedTime_v2"))
    bind(library, api.cuEventElapsedTime, "cuEventElapsedTime");
  if (!bind(library, api.cuEventDestroy, "cuEventDestroy_v2"))
    bind(library, api.cuEventDestroy, "cuEventDestroy");
  return DriverStatus::success();
}

} // namespace

DriverStatus createCudaDriver(int ordinal, std::unique_ptr<Driver> &out) {
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    return DriverStatus::error(
        std::string("cuda: cannot load libcuda.so.1 (no NVIDIA driver): ") +
        (why ? why : "unknown error"));
  }
  auto dev = std::make_shared<CudaDevice>();
  dev->library = library; // from here on, ~CudaDevice closes it
  if (DriverStatus s = loadApi(library, dev->api); !s.ok())
    return s;
  CudaApi &api = dev->api;
  if (DriverStatus s = dev->check(api.cuInit(0), "cuInit"); !s.ok())
    return s;
  int count = 0;
  if (DriverStatus s =
          dev->check(api.cuDeviceGetCount(&count), "cuDeviceGetCount");
      !s.ok())
    return s;
  if (count <= 0)
    return DriverStatus::error("cuda: no CUDA device found");
  if (ordinal < 0 || ordinal >= count)
    return DriverStatus::error("cuda: device " + std::to_string(ordinal) +
                               " does not exist (" + std::to_string(count) +
                               " device" + (count == 1 ? "" : "s") + ": 0.." +
                               std::to_string(count - 1) + ")");
  if (DriverStatus s =
          dev->check(api.cuDeviceGet(&dev->device, ordinal),
                     "cuDeviceGet(" + std::to_string(ordinal) + ")");
      !s.ok())
    return s;

  char rawName[256] = {};
  if (api.cuDeviceGetName(rawName, sizeof(rawName) - 1, dev->device) !=
      CUDA_SUCCESS)
    std::strcpy(rawName, "unknown device");
  int major = 0, minor = 0;
  api.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                           dev->device);
  api.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                           dev->device);
  for (int d = 0; d < 3; ++d) {
    int value = 0;
    if (api.cuDeviceGetAttribute(&value, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X + d,
                                 dev->device) == CUDA_SUCCESS &&
        value > 0)
      dev->limits.maxGrid[d] = static_cast<uint64_t>(value);
    if (api.cuDeviceGetAttribute(&value,
                                 CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X + d,
                                 dev->device) == CUDA_SUCCESS &&
        value > 0)
      dev->limits.maxBlock[d] = static_cast<uint64_t>(value);
  }
  int threads = 0;
  if (api.cuDeviceGetAttribute(&threads,
                               CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                               dev->device) == CUDA_SUCCESS &&
      threads > 0)
    dev->limits.maxThreadsPerBlock = static_cast<uint64_t>(threads);

  CUcontext context = nullptr;
  if (DriverStatus s =
          dev->check(api.cuDevicePrimaryCtxRetain(&context, dev->device),
                     "cuDevicePrimaryCtxRetain");
      !s.ok())
    return s;
  dev->context = context; // from here on, ~CudaDevice releases it
  if (DriverStatus s = dev->makeCurrent(); !s.ok())
    return s;

  std::string name = std::string("cuda: ") + rawName + " (sm_" +
                     std::to_string(major) + std::to_string(minor) + ")";
  out = std::make_unique<CudaDriver>(std::move(dev), std::move(name));
  return DriverStatus::success();
}

} // namespace nnc::rt
