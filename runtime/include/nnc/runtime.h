/* nnc/runtime.h: the C API of libnnrt, which loads an nnc model.so and runs
 * its entry points (forward, loss, train_step) on CUDA, Vulkan or the
 * reference interpreter.
 *
 *   nnrt_context_t *ctx;   nnrt_context_create("auto", &ctx);
 *   nnrt_model_t *model;   nnrt_model_load(ctx, "model.so", &model);
 *   nnrt_session_t *s;     nnrt_session_create(model, &s);
 *   nnrt_session_set_input(s, "x", x);
 *   nnrt_session_run(s, "forward");
 *   nnrt_session_get_output(s, "logits", &logits);
 *
 * Every fallible call returns an nnrt_status_t: NULL on success, otherwise an
 * object holding a code and a message that the caller frees with
 * nnrt_status_free. Out-params come last. Every object has a _release. The
 * library links no LLVM or MLIR and opens libcuda.so.1 / libvulkan.so.1 with
 * dlopen, so one binary runs where either, both or neither exists. */
#ifndef NNC_RUNTIME_H
#define NNC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NNRT_API __attribute__((visibility("default")))

/* The newest model.so container version this runtime reads (it reads 1 too). */
#define NNRT_MODEL_FORMAT_VERSION 2

/*===-- status ------------------------------------------------------------===*/

typedef enum nnrt_status_code_e {
  NNRT_OK = 0,
  NNRT_INVALID_ARGUMENT = 1, /* wrong name, shape, dtype; bad call */
  NNRT_NOT_FOUND = 2,        /* no such file, input, output, entry */
  NNRT_UNAVAILABLE = 3,      /* the device or its driver cannot be opened */
  NNRT_INCOMPATIBLE = 4,     /* not an nnc model, or another format version */
  NNRT_FAILED = 5,           /* the device failed to run the model */
  NNRT_RESOURCE_EXHAUSTED = 6,
  NNRT_INTERNAL = 7,
} nnrt_status_code_t;

typedef struct nnrt_status_s *nnrt_status_t;

NNRT_API nnrt_status_code_t nnrt_status_code(nnrt_status_t status);
/* "" for NULL (success). Valid until nnrt_status_free. */
NNRT_API const char *nnrt_status_message(nnrt_status_t status);
NNRT_API void nnrt_status_free(nnrt_status_t status);

/*===-- tensors (host memory) ---------------------------------------------===*/

typedef enum nnrt_dtype_e {
  NNRT_F32 = 0,
  NNRT_F16 = 1,
  NNRT_BF16 = 2,
  NNRT_I32 = 3,
  NNRT_I64 = 4,
  NNRT_BOOL = 5,
  NNRT_F64 = 6,
  NNRT_I8 = 7,
  NNRT_I16 = 8,
  NNRT_U8 = 9,
  NNRT_U16 = 10,
  NNRT_U32 = 11,
  NNRT_U64 = 12,
} nnrt_dtype_t;

/* "f32", "f16", "bf16", "i32", "i64", "bool", "f64", "i8", "i16", "u8",
 * "u16", "u32", "u64". */
NNRT_API const char *nnrt_dtype_name(nnrt_dtype_t dtype);
NNRT_API size_t nnrt_dtype_size(nnrt_dtype_t dtype);

#define NNRT_MAX_RANK 8

typedef struct nnrt_tensor_s nnrt_tensor_t;

/* A dense row-major tensor. `data` (may be NULL: zeros) is copied. */
NNRT_API nnrt_status_t nnrt_tensor_create(nnrt_dtype_t dtype, int32_t rank,
                                          const int64_t *dims,
                                          const void *data,
                                          nnrt_tensor_t **out_tensor);
NNRT_API nnrt_dtype_t nnrt_tensor_dtype(const nnrt_tensor_t *tensor);
NNRT_API int32_t nnrt_tensor_rank(const nnrt_tensor_t *tensor);
NNRT_API const int64_t *nnrt_tensor_dims(const nnrt_tensor_t *tensor);
NNRT_API int64_t nnrt_tensor_numel(const nnrt_tensor_t *tensor);
NNRT_API size_t nnrt_tensor_byte_size(const nnrt_tensor_t *tensor);
NNRT_API void *nnrt_tensor_data(nnrt_tensor_t *tensor);
NNRT_API void nnrt_tensor_release(nnrt_tensor_t *tensor);

/*===-- context: one device -----------------------------------------------===*/

typedef struct nnrt_context_s nnrt_context_t;

/* `device`: "auto" (CUDA, then Vulkan, then reference), "cuda", "vulkan",
 * "reference"; "cuda:1" / "vulkan:1" pick a device by ordinal. */
NNRT_API nnrt_status_t nnrt_context_create(const char *device,
                                           nnrt_context_t **out_context);
/* "reference", "vulkan: llvmpipe (...)", "cuda: NVIDIA H100 ... (sm_90)". */
NNRT_API const char *nnrt_context_device_name(const nnrt_context_t *context);
/* "reference", "vulkan" or "cuda". */
NNRT_API const char *nnrt_context_device_kind(const nnrt_context_t *context);
NNRT_API void nnrt_context_release(nnrt_context_t *context);

/*===-- model: a loaded model.so ------------------------------------------===*/

typedef struct nnrt_model_s nnrt_model_t;

NNRT_API nnrt_status_t nnrt_model_load(nnrt_context_t *context,
                                       const char *path,
                                       nnrt_model_t **out_model);
NNRT_API void nnrt_model_release(nnrt_model_t *model);

NNRT_API const char *nnrt_model_name(const nnrt_model_t *model);

typedef enum nnrt_value_kind_e {
  NNRT_VALUE_INPUT = 0,
  NNRT_VALUE_PARAM = 1,
  NNRT_VALUE_STATE = 2,
  NNRT_VALUE_OUTPUT = 3,
} nnrt_value_kind_t;

/* A declared value. dims[i] is -1 where the dim is dynamic; dim_names[i] is
 * its name ("B") or "" for a static dim. A dim that `nnc --dim B=8` fixed
 * has its size in dims[i] (the only one the model takes) and keeps its name.
 * Pointers live as long as the model. */
typedef struct nnrt_value_info_s {
  const char *name;
  nnrt_dtype_t dtype;
  int32_t rank;
  const int64_t *dims;
  const char *const *dim_names;
} nnrt_value_info_t;

NNRT_API int32_t nnrt_model_value_count(const nnrt_model_t *model,
                                        nnrt_value_kind_t kind);
NNRT_API nnrt_status_t nnrt_model_value_info(const nnrt_model_t *model,
                                             nnrt_value_kind_t kind,
                                             int32_t index,
                                             nnrt_value_info_t *out_info);
/* Entry points: "forward", "loss", later "train_step". */
NNRT_API int32_t nnrt_model_entry_count(const nnrt_model_t *model);
NNRT_API const char *nnrt_model_entry_name(const nnrt_model_t *model,
                                           int32_t index);
/* Outputs of one entry, in order (NULL-free; count via out_count). */
NNRT_API nnrt_status_t nnrt_model_entry_outputs(const nnrt_model_t *model,
                                                const char *entry,
                                                int32_t *out_count,
                                                const char *const **out_names);

/* The model's own graph (docs/graph-format.md), which the reference
 * interpreter runs; valid as long as the model. */
NNRT_API nnrt_status_t nnrt_model_graph(const nnrt_model_t *model,
                                        const char **out_text,
                                        size_t *out_size);

/*===-- session: params, inputs, outputs, device memory -------------------===*/

typedef struct nnrt_session_s nnrt_session_t;

/* Creates a session with every param and state at its initializer. */
NNRT_API nnrt_status_t nnrt_session_create(nnrt_model_t *model,
                                           nnrt_session_t **out_session);
NNRT_API void nnrt_session_release(nnrt_session_t *session);

/* Copies `tensor` as input `name`; its dtype and shape are checked against
 * the declaration (named dims must agree across inputs). */
NNRT_API nnrt_status_t nnrt_session_set_input(nnrt_session_t *session,
                                              const char *name,
                                              const nnrt_tensor_t *tensor);
/* Runs an entry point to completion on the device. With the environment
 * variable NNRT_PROFILE set (1, top=N, all, sum, host; comma-separated), a
 * run on a device prints its kernels' times to stderr (see README.md,
 * "Profiling", and runtime/src/Profile.h). */
NNRT_API nnrt_status_t nnrt_session_run(nnrt_session_t *session,
                                        const char *entry);
/* A new tensor holding output `name` of the last run (caller releases). */
NNRT_API nnrt_status_t nnrt_session_get_output(nnrt_session_t *session,
                                               const char *name,
                                               nnrt_tensor_t **out_tensor);
/* Read or replace one param or state. */
NNRT_API nnrt_status_t nnrt_session_get_param(nnrt_session_t *session,
                                              const char *name,
                                              nnrt_tensor_t **out_tensor);
NNRT_API nnrt_status_t nnrt_session_set_param(nnrt_session_t *session,
                                              const char *name,
                                              const nnrt_tensor_t *tensor);
/* Every param and state to / from a .npz file (names as keys). Loading
 * checks names, dtypes and shapes; a missing param is an error. */
NNRT_API nnrt_status_t nnrt_session_save_params(nnrt_session_t *session,
                                                const char *path);
NNRT_API nnrt_status_t nnrt_session_load_params(nnrt_session_t *session,
                                                const char *path);

#ifdef __cplusplus
}
#endif

#endif /* NNC_RUNTIME_H */
