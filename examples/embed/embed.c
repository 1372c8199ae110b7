/* embed.c: runs a model.so through libnnrt from C: fills the first input with
 * a fixed pattern, runs `forward` and prints every output. */
#include <math.h>
#include <nnc/runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reports a failed call and frees its status; returns 1 on success. */
static int ok(nnrt_status_t status, const char *what) {
  if (!status)
    return 1;
  fprintf(stderr, "embed: %s: %s\n", what, nnrt_status_message(status));
  nnrt_status_free(status);
  return 0;
}

/* Prints "NAME DTYPE [DIMS]: first values"; f16, bf16, bool show as nan. */
static void print_tensor(const char *name, nnrt_tensor_t *t) {
  nnrt_dtype_t dtype = nnrt_tensor_dtype(t);
  const void *data = nnrt_tensor_data(t);
  printf("%s %s [", name, nnrt_dtype_name(dtype));
  for (int32_t i = 0; i < nnrt_tensor_rank(t); ++i)
    printf("%s%lld", i ? ", " : "", (long long)nnrt_tensor_dims(t)[i]);
  printf("]:");
  for (int64_t i = 0; i < nnrt_tensor_numel(t) && i < 10; ++i)
    printf(" %.6g", dtype == NNRT_F32   ? ((const float *)data)[i]
                    : dtype == NNRT_I32 ? ((const int32_t *)data)[i]
                    : dtype == NNRT_I64 ? (double)((const int64_t *)data)[i]
                                        : NAN);
  printf("\n");
}

int main(int argc, char **argv) {
  const char *path = NULL, *device = "auto";
  long long batch = 1;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--device") && i + 1 < argc)
      device = argv[++i];
    else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
      batch = atoll(argv[++i]);
    else
      path = argv[i];
  }
  if (!path || batch < 1) {
    fprintf(stderr, "usage: embed MODEL.so [--device DEVICE] [--batch N]\n");
    return 2;
  }

  nnrt_context_t *ctx = NULL;
  nnrt_model_t *model = NULL;
  nnrt_session_t *session = NULL;
  nnrt_tensor_t *x = NULL;
  nnrt_value_info_t in;
  int32_t count = 0;
  const char *const *names = NULL;
  int rc = 1;
  if (!ok(nnrt_context_create(device, &ctx), "context") ||
      !ok(nnrt_model_load(ctx, path, &model), "load") ||
      !ok(nnrt_session_create(model, &session), "session") ||
      !ok(nnrt_model_value_info(model, NNRT_VALUE_INPUT, 0, &in), "input 0"))
    goto done;
  printf("device: %s\n", nnrt_context_device_name(ctx));

  /* A dynamic dim (-1) becomes the batch; a float input gets the pattern
   * ((37 i) mod 101) / 100 - 0.5, any other dtype stays zero. */
  int64_t dims[NNRT_MAX_RANK];
  for (int32_t i = 0; i < in.rank; ++i)
    dims[i] = in.dims[i] < 0 ? batch : in.dims[i];
  if (!ok(nnrt_tensor_create(in.dtype, in.rank, dims, NULL, &x), "tensor"))
    goto done;
  if (in.dtype == NNRT_F32)
    for (int64_t i = 0; i < nnrt_tensor_numel(x); ++i)
      ((float *)nnrt_tensor_data(x))[i] = (float)(i * 37 % 101) / 100.0f - 0.5f;
  if (!ok(nnrt_session_set_input(session, in.name, x), "set input") ||
      !ok(nnrt_session_run(session, "forward"), "run forward") ||
      !ok(nnrt_model_entry_outputs(model, "forward", &count, &names),
          "outputs"))
    goto done;

  for (int32_t i = 0; i < count; ++i) {
    nnrt_tensor_t *out = NULL;
    if (!ok(nnrt_session_get_output(session, names[i], &out), names[i]))
      goto done;
    print_tensor(names[i], out);
    nnrt_tensor_release(out);
  }
  rc = 0;
done:
  nnrt_tensor_release(x);
  nnrt_session_release(session);
  nnrt_model_release(model);
  nnrt_context_release(ctx);
  return rc;
}
