// Kernels: the op-kernel table and helpers shared by the op-family files.
#ifndef NNC_REFERENCE_KERNELS_H
#define NNC_REFERENCE_KERNELS_H

#include "reference/Graph.h"
#include "reference/Status.h"
#include "reference/Tensor.h"

#include <map>
#include <string>
#include <vector>

namespace nnc::ref {

/// A kernel computes `out` from the operands; `op.type` is the declared
/// result type (its dtype is the result dtype; `?` dims are unknown).
using Kernel = Status (*)(const Op &op, const std::vector<const Tensor *> &in,
                          Tensor &out);
using KernelTable = std::map<std::string, Kernel>;

void registerElementwiseKernels(KernelTable &table);
void registerReduceKernels(KernelTable &table);
void registerNormKernels(KernelTable &table);
void registerLinalgKernels(KernelTable &table);
void registerAttentionKernels(KernelTable &table);
void registerConvGradKernels(KernelTable &table);
void registerShapeKernels(KernelTable &table);
void registerLossKernels(KernelTable &table);

// Operand and attribute checks; each returns a failure naming the problem.
Status expectOperands(const Op &op, const std::vector<const Tensor *> &in,
                      size_t min, size_t max);
Status getIntAttr(const Op &op, const std::string &key, int64_t &out,
                  const int64_t *fallback = nullptr);
Status getIntListAttr(const Op &op, const std::string &key,
                      std::vector<int64_t> &out);
Status getF64Attr(const Op &op, const std::string &key, double &out,
                  const double *fallback = nullptr);
Status getBoolAttr(const Op &op, const std::string &key, bool &out,
                   const bool *fallback = nullptr);
Status getStringAttr(const Op &op, const std::string &key, std::string &out,
                     const std::string *fallback = nullptr);
Status needFloat(const Tensor &t, const char *what);
Status needNumeric(const Tensor &t, const char *what);
Status needAxis(int64_t axis, int64_t rank, const char *what = "axis");

/// NumPy broadcasting of several shapes.
Status broadcastShapes(const std::vector<Shape> &shapes, Shape &out);
/// Row-major strides of `shape`.
std::vector<int64_t> stridesOf(const Shape &shape);
/// Strides of `in` viewed in the broadcast `out` shape (0 on stretched dims).
std::vector<int64_t> broadcastStrides(const Shape &in, const Shape &out);
/// Maps each linear index of `out` to the linear index of a broadcast input.
std::vector<int64_t> broadcastIndexMap(const Shape &in, const Shape &out);

inline int64_t wrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t wrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t wrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

} // namespace nnc::ref

#endif // NNC_REFERENCE_KERNELS_H
