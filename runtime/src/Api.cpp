// Api: status, tensor and context functions of nnc/runtime.h.
#include "runtime/src/Internal.h"

#include <cstdlib>
#include <cstring>
#include <new>

using namespace nnc;

namespace {
// Out of memory for a status itself: this static one still reports failure.
nnrt_status_s outOfMemory{NNRT_RESOURCE_EXHAUSTED, "out of memory"};
} // namespace

nnrt_status_t nnrtError(nnrt_status_code_t code, const std::string &message) {
  auto *s = new (std::nothrow) nnrt_status_s{code, message};
  return s ? s : &outOfMemory;
}

extern "C" {

nnrt_status_code_t nnrt_status_code(nnrt_status_t status) {
  return status ? status->code : NNRT_OK;
}

const char *nnrt_status_message(nnrt_status_t status) {
  return status ? status->message.c_str() : "";
}

void nnrt_status_free(nnrt_status_t status) {
  if (status != &outOfMemory)
    delete status;
}

const char *nnrt_dtype_name(nnrt_dtype_t dtype) {
  // nnrt_dtype_t and ref::DType list the dtypes in the same order.
  if (int(dtype) < 0 || int(dtype) > int(NNRT_U64))
    return "?";
  return ref::dtypeName(rt::fromApiDType(dtype));
}

size_t nnrt_dtype_size(nnrt_dtype_t dtype) {
  if (int(dtype) < 0 || int(dtype) > int(NNRT_U64))
    return 0;
  return ref::dtypeSize(rt::fromApiDType(dtype));
}

nnrt_status_t nnrt_tensor_create(nnrt_dtype_t dtype, int32_t rank,
                                 const int64_t *dims, const void *data,
                                 nnrt_tensor_t **out_tensor) {
  if (!out_tensor)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_tensor_create: out_tensor is NULL");
  *out_tensor = nullptr;
  if (nnrt_dtype_size(dtype) == 0)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_tensor_create: unknown dtype " +
                                                std::to_string(int(dtype)));
  if (rank < 0 || rank > NNRT_MAX_RANK || (rank > 0 && !dims))
    return nnrtError(NNRT_INVALID_ARGUMENT,
                     "nnrt_tensor_create: rank must be 0.." +
                         std::to_string(NNRT_MAX_RANK) + " with dims");
  ref::Shape shape;
  uint64_t numel = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (dims[i] < 0 || (dims[i] > 0 && numel > (uint64_t(1) << 40) / uint64_t(dims[i])))
      return nnrtError(NNRT_INVALID_ARGUMENT,
                       "nnrt_tensor_create: dim " + std::to_string(i) + " = " +
                           std::to_string(dims[i]) + " is out of range");
    numel *= uint64_t(dims[i]);
    shape.push_back(dims[i]);
  }
  auto *t = new (std::nothrow) nnrt_tensor_s{ref::Tensor(rt::fromApiDType(dtype), shape)};
  if (!t)
    return nnrtError(NNRT_RESOURCE_EXHAUSTED, "nnrt_tensor_create: out of memory");
  if (data && !t->tensor.bytes().empty())
    std::memcpy(t->tensor.bytes().data(), data, t->tensor.bytes().size());
  *out_tensor = t;
  return nullptr;
}

nnrt_dtype_t nnrt_tensor_dtype(const nnrt_tensor_t *t) {
  return t ? rt::toApiDType(t->tensor.dtype()) : NNRT_F32;
}
int32_t nnrt_tensor_rank(const nnrt_tensor_t *t) {
  return t ? int32_t(t->tensor.rank()) : 0;
}
const int64_t *nnrt_tensor_dims(const nnrt_tensor_t *t) {
  return t ? t->tensor.shape().data() : nullptr;
}
int64_t nnrt_tensor_numel(const nnrt_tensor_t *t) {
  return t ? t->tensor.numel() : 0;
}
size_t nnrt_tensor_byte_size(const nnrt_tensor_t *t) {
  return t ? t->tensor.bytes().size() : 0;
}
void *nnrt_tensor_data(nnrt_tensor_t *t) {
  return t ? t->tensor.bytes().data() : nullptr;
}
void nnrt_tensor_release(nnrt_tensor_t *t) { delete t; }

nnrt_status_t nnrt_context_create(const char *device,
                                  nnrt_context_t **out_context) {
  if (!out_context)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_context_create: out_context is NULL");
  *out_context = nullptr;
  std::string spec = device ? device : "auto";
  std::string kind = spec;
  int ordinal = 0;
  size_t colon = spec.find(':');
  if (colon != std::string::npos) {
    kind = spec.substr(0, colon);
    char *end = nullptr;
    long n = std::strtol(spec.c_str() + colon + 1, &end, 10);
    if (colon + 1 == spec.size() || *end || n < 0 || n > 64)
      return nnrtError(NNRT_INVALID_ARGUMENT,
                       "device '" + spec + "': expected NAME or NAME:ORDINAL");
    ordinal = int(n);
  }
  if (kind != "auto" && kind != "cuda" && kind != "vulkan" && kind != "reference")
    return nnrtError(NNRT_INVALID_ARGUMENT,
                     "unknown device '" + spec +
                         "' (devices: auto, cuda, vulkan, reference)");
  auto ctx = std::make_unique<nnrt_context_s>();
  std::string why;
  if (kind == "cuda" || kind == "auto") {
    rt::DriverStatus s = rt::createCudaDriver(ordinal, ctx->driver);
    if (s.ok())
      ctx->kind = "cuda";
    else
      why += s.message;
  }
  if (!ctx->driver && (kind == "vulkan" || kind == "auto")) {
    rt::DriverStatus s = rt::createVulkanDriver(ordinal, ctx->driver);
    if (s.ok())
      ctx->kind = "vulkan";
    else
      why += (why.empty() ? "" : "; ") + s.message;
  }
  if (ctx->driver) {
    ctx->name = ctx->driver->deviceName();
  } else if (kind == "reference" || kind == "auto") {
    ctx->kind = "reference";
    ctx->name = "reference";
  } else {
    return nnrtError(NNRT_UNAVAILABLE, "cannot open device '" + spec + "': " + why);
  }
  *out_context = ctx.release();
  return nullptr;
}

const char *nnrt_context_device_name(const nnrt_context_t *c) {
  return c ? c->name.c_str() : "";
}
const char *nnrt_context_device_kind(const nnrt_context_t *c) {
  return c ? c->kind.c_str() : "";
}
void nnrt_context_release(nnrt_context_t *c) { delete c; }

} // extern "C"

namespace nnc::rt {

// The two enums share one order (runtime.h appends, never renumbers).
static_assert(int(NNRT_F64) == int(ref::DType::F64) &&
                  int(NNRT_U64) == int(ref::DType::U64) &&
                  int(NNRT_BOOL) == int(ref::DType::Bool),
              "nnrt_dtype_t and ref::DType must list dtypes in one order");

nnrt_dtype_t toApiDType(ref::DType d) { return nnrt_dtype_t(int(d)); }

ref::DType fromApiDType(nnrt_dtype_t d) { return ref::DType(int(d)); }

bool planToDType(const std::string &name, ref::DType &dtype) {
  return ref::parseDType(name, dtype);
}

} // namespace nnc::rt
