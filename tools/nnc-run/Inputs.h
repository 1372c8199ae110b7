// Inputs: helpers of nnc-run: random inputs, value formatting.
#ifndef NNC_TOOLS_NNC_RUN_INPUTS_H
#define NNC_TOOLS_NNC_RUN_INPUTS_H

#include "reference/Graph.h"
#include "reference/Tensor.h"

#include <string>

namespace nnc::run {

std::string formatValue(const ref::Tensor &t, int64_t i);
/// "name: f32[4,10] = [v, v, ... (40 values)]" on stdout.
void printSummary(const std::string &name, const ref::Tensor &t);

/// Seeded values: floats in [-1, 1), bools, integers in [0, intBound).
ref::Tensor randomInput(ref::DType dtype, const ref::Shape &shape, uint64_t seed,
                        uint64_t stream, int64_t intBound);

/// The exclusive bound for an integer input used as labels or indices.
int64_t indexBound(const ref::Graph &graph, const std::string &input);

} // namespace nnc::run

#endif // NNC_TOOLS_NNC_RUN_INPUTS_H
