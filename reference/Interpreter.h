// Interpreter: runs one func of a Graph on host tensors, op by op.
#ifndef NNC_REFERENCE_INTERPRETER_H
#define NNC_REFERENCE_INTERPRETER_H

#include "reference/Graph.h"
#include "reference/Npy.h"
#include "reference/Status.h"
#include "reference/Tensor.h"

#include <map>
#include <string>

namespace nnc::ref {

using TensorMap = std::map<std::string, Tensor>;
using DimMap = std::map<std::string, int64_t>;

/// Checks `inputs` against the graph's input declarations (presence, dtype,
/// rank, static dims, named dims consistent across inputs) and fills `dims`
/// with the value of every named dim. With `entry`, an input that the entry
/// never reads may be absent (inference needs no labels).
Status bindInputs(const Graph &graph, const TensorMap &inputs, DimMap &dims,
                  const Func *entry = nullptr);

/// Whether `entry` reads the declared value `name`.
bool readsValue(const Func &entry, const std::string &name);

/// The concrete shape of a declaration given the named dims.
Status declShape(const Decl &decl, const DimMap &dims, Shape &shape);

/// Runs func `entry`. `params` holds every param and state (see initParams).
/// On success `outputs` holds the returned tensors in return order and,
/// when given, `updates` the next values of the params and states the entry
/// updates (`train_step`), which the caller stores.
Status runFunc(const Graph &graph, const std::string &entry,
               const TensorMap &inputs, const TensorMap &params,
               NamedTensors &outputs, NamedTensors *updates = nullptr);

/// True when the interpreter knows an op of this name.
bool isKnownOp(const std::string &name);

} // namespace nnc::ref

#endif // NNC_REFERENCE_INTERPRETER_H
