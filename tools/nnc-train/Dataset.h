// Dataset: a folder of .npy arrays, one per model input with the samples
// along axis 0, and the seeded shuffle that nnc-train draws its batches with.
#ifndef NNC_TOOLS_NNC_TRAIN_DATASET_H
#define NNC_TOOLS_NNC_TRAIN_DATASET_H

#include "reference/Graph.h"
#include "reference/Status.h"
#include "reference/Tensor.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nnc::train {

/// DIR/NAME.npy for each input NAME, every array holding `size` samples.
struct Dataset {
  std::string dir;
  int64_t size = 0;
  std::vector<std::pair<std::string, ref::Tensor>> columns;

  const ref::Tensor *column(const std::string &name) const;
};

/// Reads DIR/NAME.npy for each declared input and checks it against the
/// declaration: its first dim is the dynamic batch dim, the others match;
/// floats must have the declared dtype; integers (labels, indices) of
/// another integer dtype are converted when every value fits. All arrays
/// must hold the same number of samples.
ref::Status loadDataset(const std::string &dir,
                        const std::vector<const ref::Decl *> &inputs,
                        Dataset &out);

/// Rows `rows[0..n)` of `column`, in that order, as one tensor [n, ...].
ref::Tensor gatherRows(const ref::Tensor &column, const int64_t *rows,
                       int64_t n);

/// splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014): state += 0x9e3779b97f4a7c15, then the
/// state is mixed with two xor-shift-multiply rounds. The state starts at
/// the seed.
class SplitMix64 {
public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();

private:
  uint64_t state_;
};

/// Fisher-Yates: for i = n-1 down to 1, swap perm[i] with perm[j], j =
/// rng.next() mod (i + 1). nnc-train reshuffles the identity permutation each
/// epoch from one generator seeded with --seed (tests/e2e/train_vs_torch.py
/// holds a Python copy).
void shuffle(std::vector<int64_t> &perm, SplitMix64 &rng);

} // namespace nnc::train

#endif // NNC_TOOLS_NNC_TRAIN_DATASET_H
