// Session: the libnnrt objects of one device and the conversions between
// nnrt tensors and reference tensors, shared by nnc-run and nnc-train.
#ifndef NNC_TOOLS_COMMON_SESSION_H
#define NNC_TOOLS_COMMON_SESSION_H

#include "nnc/runtime.h"
#include "reference/Graph.h"
#include "reference/Status.h"
#include "reference/Tensor.h"

#include <map>
#include <string>
#include <vector>

namespace nnc::tools {

/// Owns the context, model and session of one device.
struct Session {
  nnrt_context_t *context = nullptr;
  nnrt_model_t *model = nullptr;
  nnrt_session_t *session = nullptr;

  Session() = default;
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  ~Session();
};

/// Frees `s` and turns it into a Status (success for NULL); `context`
/// prefixes the message.
ref::Status takeStatus(nnrt_status_t s, const std::string &context = "");

/// Creates a context on `device`, loads the model.so at `path` and opens a
/// session; then loads `params` (.npz) unless it is empty.
ref::Status openSession(const std::string &device, const std::string &path,
                        const std::string &params, Session &out);

/// The graph embedded in the session's model.so (`path` names it in errors).
ref::Status modelGraph(const Session &s, const std::string &path,
                       ref::Graph &graph);

/// "forward, loss, train_step": the model's entries, for error messages.
std::string entryNames(const nnrt_model_t *model);
bool hasEntry(const nnrt_model_t *model, const std::string &entry);
/// The output names of `entry`, in order.
ref::Status entryOutputs(const nnrt_model_t *model, const std::string &entry,
                         std::vector<std::string> &names);
/// The names of every param and state, in declaration order.
std::vector<std::string> paramNames(const nnrt_model_t *model);
/// The sizes of the named dims of its inputs that `nnc --dim` fixed when
/// the model was compiled (empty for a model with dynamic dims).
std::map<std::string, int64_t> compiledDims(const nnrt_model_t *model);

nnrt_dtype_t apiDType(ref::DType d);
ref::DType refDType(nnrt_dtype_t d);

ref::Status setInput(nnrt_session_t *s, const std::string &name,
                     const ref::Tensor &t);
/// Output `name` of the last run.
ref::Status getOutput(nnrt_session_t *s, const std::string &name,
                      ref::Tensor &out);
/// The current value of a param or state.
ref::Status getParam(nnrt_session_t *s, const std::string &name,
                     ref::Tensor &out);

} // namespace nnc::tools

#endif // NNC_TOOLS_COMMON_SESSION_H
