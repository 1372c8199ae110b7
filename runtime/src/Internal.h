// Internal: the structs behind the opaque handles of nnc/runtime.h.
#ifndef NNC_RUNTIME_SRC_INTERNAL_H
#define NNC_RUNTIME_SRC_INTERNAL_H

#include "nnc/runtime.h"
#include "reference/Graph.h"
#include "reference/Interpreter.h"
#include "reference/Tensor.h"
#include "runtime/drivers/Driver.h"
#include "runtime/src/Plan.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nnc::rt {
struct SessionProfile; // runtime/src/Profile.h
} // namespace nnc::rt

struct nnrt_status_s {
  nnrt_status_code_t code;
  std::string message;
};

struct nnrt_tensor_s {
  nnc::ref::Tensor tensor;
};

struct nnrt_context_s {
  std::string kind; // "reference", "vulkan", "cuda"
  std::string name;
  std::unique_ptr<nnc::rt::Driver> driver; // null for reference
};

/// A declared value with storage for the pointers nnrt_value_info_t hands out.
struct ValueInfo {
  std::string name;
  nnrt_dtype_t dtype = NNRT_F32;
  std::vector<int64_t> dims;
  std::vector<std::string> dimNames;
  std::vector<const char *> dimNamePtrs;
};

struct EntryInfo {
  std::string name;
  std::vector<std::string> outputs;
  std::vector<const char *> outputPtrs;
};

struct nnrt_model_s {
  nnrt_context_t *context = nullptr;
  std::string path;
  void *handle = nullptr; // dlopen handle; the blob points into it
  std::map<std::string, std::pair<const uint8_t *, uint64_t>> sections;
  nnc::ref::Graph graph;
  nnc::rt::Plan plan;
  std::vector<ValueInfo> values[4]; // by nnrt_value_kind_t
  std::vector<EntryInfo> entries;
  std::unique_ptr<nnc::rt::Program> program; // device kernels
  ~nnrt_model_s();
};

struct nnrt_session_s {
  nnrt_model_t *model = nullptr;
  nnc::ref::TensorMap inputs;
  /// Params and states on the host: the truth on the reference device; on a
  /// GPU a cache of the device copy, valid while `paramsOnHost`.
  nnc::ref::TensorMap params;
  bool paramsOnHost = true;
  // Device state.
  std::map<std::string, std::unique_ptr<nnc::rt::DeviceBuffer>> paramBuffers;
  std::vector<std::unique_ptr<nnc::rt::DeviceBuffer>> globalBuffers;
  std::unique_ptr<nnc::rt::DeviceBuffer> arena;
  std::map<std::string, uint64_t> inputOffset; // where each input sits in arena
  bool inputsDirty = true;
  // The last run.
  std::string lastEntry;
  nnc::rt::EvalEntry eval;
  const nnc::rt::PlanEntry *planEntry = nullptr;
  nnc::ref::NamedTensors refOutputs;
  /// NNRT_PROFILE's records (Profile.h); null until a profiled run.
  std::shared_ptr<nnc::rt::SessionProfile> profile;
};

nnrt_status_t nnrtError(nnrt_status_code_t code, const std::string &message);

namespace nnc::rt {
/// nnrt_dtype_t <-> the reference's DType and the plan's names.
nnrt_dtype_t toApiDType(ref::DType dtype);
ref::DType fromApiDType(nnrt_dtype_t dtype);
bool planToDType(const std::string &name, ref::DType &dtype);
} // namespace nnc::rt

#endif // NNC_RUNTIME_SRC_INTERNAL_H
