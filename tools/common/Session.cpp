// Session: libnnrt objects and tensor conversions (see Session.h).
#include "tools/common/Session.h"

#include <cstring>

namespace nnc::tools {

using ref::Status;

Session::~Session() {
  nnrt_session_release(session);
  nnrt_model_release(model);
  nnrt_context_release(context);
}

Status takeStatus(nnrt_status_t s, const std::string &context) {
  if (!s)
    return Status::success();
  std::string m = nnrt_status_message(s);
  nnrt_status_free(s);
  return Status::failure(context.empty() ? m : context + ": " + m);
}

Status openSession(const std::string &device, const std::string &path,
                   const std::string &params, Session &out) {
  Status s = takeStatus(nnrt_context_create(device.c_str(), &out.context));
  if (s.ok())
    s = takeStatus(nnrt_model_load(out.context, path.c_str(), &out.model));
  if (s.ok())
    s = takeStatus(nnrt_session_create(out.model, &out.session));
  if (s.ok() && !params.empty())
    s = takeStatus(nnrt_session_load_params(out.session, params.c_str()));
  return s;
}

Status modelGraph(const Session &s, const std::string &path,
                  ref::Graph &graph) {
  const char *text = nullptr;
  size_t size = 0;
  Status st = takeStatus(nnrt_model_graph(s.model, &text, &size));
  return st.ok()
             ? ref::parseGraph(std::string(text, size), graph, path + ":graph")
             : st;
}

std::string entryNames(const nnrt_model_t *model) {
  std::string names;
  for (int32_t i = 0; i < nnrt_model_entry_count(model); ++i)
    names += std::string(i ? ", " : "") + nnrt_model_entry_name(model, i);
  return names;
}

bool hasEntry(const nnrt_model_t *model, const std::string &entry) {
  for (int32_t i = 0; i < nnrt_model_entry_count(model); ++i)
    if (entry == nnrt_model_entry_name(model, i))
      return true;
  return false;
}

Status entryOutputs(const nnrt_model_t *model, const std::string &entry,
                    std::vector<std::string> &names) {
  int32_t count = 0;
  const char *const *list = nullptr;
  Status s =
      takeStatus(nnrt_model_entry_outputs(model, entry.c_str(), &count, &list));
  if (s.ok())
    names.assign(list, list + count);
  return s;
}

std::vector<std::string> paramNames(const nnrt_model_t *model) {
  std::vector<std::string> names;
  for (nnrt_value_kind_t kind : {NNRT_VALUE_PARAM, NNRT_VALUE_STATE})
    for (int32_t i = 0; i < nnrt_model_value_count(model, kind); ++i) {
      nnrt_value_info_t info;
      if (!takeStatus(nnrt_model_value_info(model, kind, i, &info)).ok())
        continue;
      names.push_back(info.name);
    }
  return names;
}

std::map<std::string, int64_t> compiledDims(const nnrt_model_t *model) {
  std::map<std::string, int64_t> dims;
  for (int32_t i = 0; i < nnrt_model_value_count(model, NNRT_VALUE_INPUT); ++i) {
    nnrt_value_info_t info;
    if (!takeStatus(nnrt_model_value_info(model, NNRT_VALUE_INPUT, i, &info)).ok())
      continue;
    for (int32_t d = 0; d < info.rank; ++d)
      if (info.dims[d] >= 0 && info.dim_names[d][0])
        dims[info.dim_names[d]] = info.dims[d];
  }
  return dims;
}

// ref::DType lists the dtypes in nnrt_dtype_t's order (see Tensor.h).
nnrt_dtype_t apiDType(ref::DType d) { return nnrt_dtype_t(int(d)); }

ref::DType refDType(nnrt_dtype_t d) { return ref::DType(int(d)); }

Status setInput(nnrt_session_t *s, const std::string &name,
                const ref::Tensor &t) {
  nnrt_tensor_t *tensor = nullptr;
  Status st = takeStatus(nnrt_tensor_create(apiDType(t.dtype()),
                                            int32_t(t.rank()), t.shape().data(),
                                            t.bytes().data(), &tensor));
  if (!st.ok())
    return st;
  st = takeStatus(nnrt_session_set_input(s, name.c_str(), tensor));
  nnrt_tensor_release(tensor);
  return st;
}

namespace {

/// Copies `t` into `out` and releases it.
void takeTensor(nnrt_tensor_t *t, ref::Tensor &out) {
  ref::Shape shape(nnrt_tensor_dims(t),
                   nnrt_tensor_dims(t) + nnrt_tensor_rank(t));
  out = ref::Tensor(refDType(nnrt_tensor_dtype(t)), shape);
  if (!out.bytes().empty())
    std::memcpy(out.bytes().data(), nnrt_tensor_data(t), out.bytes().size());
  nnrt_tensor_release(t);
}

} // namespace

Status getOutput(nnrt_session_t *s, const std::string &name, ref::Tensor &out) {
  nnrt_tensor_t *t = nullptr;
  Status st = takeStatus(nnrt_session_get_output(s, name.c_str(), &t));
  if (st.ok())
    takeTensor(t, out);
  return st;
}

Status getParam(nnrt_session_t *s, const std::string &name, ref::Tensor &out) {
  nnrt_tensor_t *t = nullptr;
  Status st = takeStatus(nnrt_session_get_param(s, name.c_str(), &t));
  if (st.ok())
    takeTensor(t, out);
  return st;
}

} // namespace nnc::tools
