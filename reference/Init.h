// Init: parameter and state initializers (zeros ... he_normal, data(HEX)).
#ifndef NNC_REFERENCE_INIT_H
#define NNC_REFERENCE_INIT_H

#include "reference/Graph.h"
#include "reference/Interpreter.h"
#include "reference/Status.h"
#include "reference/Tensor.h"

namespace nnc::ref {

/// fan_in and fan_out of a shape as docs/graph-format.md defines them.
void computeFans(const Shape &shape, double &fanIn, double &fanOut);

/// Builds one initialized tensor.
Status initTensor(const Init &init, DType dtype, const Shape &shape, Tensor &out);

/// Initializes every param and state of the graph (their shapes must be
/// static), keyed by name.
Status initParams(const Graph &graph, TensorMap &params);

} // namespace nnc::ref

#endif // NNC_REFERENCE_INIT_H
