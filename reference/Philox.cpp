// Philox 4x32-10 and the uniform/normal transforms of docs/graph-format.md.
#include "reference/Philox.h"

#include <cmath>

namespace nnc::ref {

PhiloxCounter philox4x32_10(PhiloxCounter c, PhiloxKey k) {
  const uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
  const uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) { // the key is bumped between rounds
      k[0] += W0;
      k[1] += W1;
    }
    uint64_t p0 = uint64_t(M0) * c[0];
    uint64_t p1 = uint64_t(M1) * c[2];
    PhiloxCounter next = {uint32_t(p1 >> 32) ^ c[1] ^ k[0], uint32_t(p1),
                          uint32_t(p0 >> 32) ^ c[3] ^ k[1], uint32_t(p0)};
    c = next;
  }
  return c;
}

PhiloxCounter philoxForElement(uint64_t seed, uint64_t index) {
  return philox4x32_10({uint32_t(index), uint32_t(index >> 32), 0, 0},
                       {uint32_t(seed), uint32_t(seed >> 32)});
}

double philoxUniform(uint64_t seed, uint64_t index) {
  PhiloxCounter w = philoxForElement(seed, index);
  return std::ldexp(double(w[0] >> 8), -24);
}

double philoxNormal(uint64_t seed, uint64_t index) {
  PhiloxCounter w = philoxForElement(seed, index);
  double u1 = std::ldexp(double((w[0] >> 8) + 1), -24); // (0, 1]
  double u2 = std::ldexp(double(w[1] >> 8), -24);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

} // namespace nnc::ref
