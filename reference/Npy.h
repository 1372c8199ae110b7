// NumPy .npy and .npz reading and writing (C order, little-endian).
#ifndef NNC_REFERENCE_NPY_H
#define NNC_REFERENCE_NPY_H

#include "reference/Status.h"
#include "reference/Tensor.h"

#include <string>
#include <utility>
#include <vector>

namespace nnc::ref {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

/// Decodes .npy bytes (format versions 1.0, 2.0, 3.0; dtypes <f8 <f4 <f2 |i1
/// <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1; '=' for '<' too). `what` names the source in error messages.
Status decodeNpy(const uint8_t *data, size_t size, Tensor &out,
                 const std::string &what);
/// Encodes a tensor as .npy 1.0 bytes (bf16 has no .npy dtype: an error).
Status encodeNpy(const Tensor &t, std::vector<uint8_t> &out);

Status readNpy(const std::string &path, Tensor &out);
Status writeNpy(const std::string &path, const Tensor &t);

/// Reads every 'NAME.npy' entry of a .npz (stored or deflated) as NAME.
Status readNpz(const std::string &path, NamedTensors &out);
/// Writes a .npz with stored (uncompressed) entries 'NAME.npy'.
Status writeNpz(const std::string &path, const NamedTensors &tensors);

} // namespace nnc::ref

#endif // NNC_REFERENCE_NPY_H
