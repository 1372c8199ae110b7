// Philox 4x32-10 (Salmon et al., SC'11): the counter-based generator behind
// every random initializer, so reference and devices draw identical values.
#ifndef NNC_REFERENCE_PHILOX_H
#define NNC_REFERENCE_PHILOX_H

#include <array>
#include <cstdint>

namespace nnc::ref {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

/// Ten rounds of Philox4x32 on `counter` under `key`.
PhiloxCounter philox4x32_10(PhiloxCounter counter, PhiloxKey key);

/// The words for element `index` of a tensor under `seed`, as
/// docs/graph-format.md fixes them: key (seed lo, seed hi), counter
/// (index lo, index hi, 0, 0).
PhiloxCounter philoxForElement(uint64_t seed, uint64_t index);

/// uniform in [0, 1): (w0 >> 8) * 2^-24.
double philoxUniform(uint64_t seed, uint64_t index);
/// Standard normal by Box–Muller from w0 and w1.
double philoxNormal(uint64_t seed, uint64_t index);

} // namespace nnc::ref

#endif // NNC_REFERENCE_PHILOX_H
