// Dataset: .npy folders and the seeded shuffle of nnc-train (see Dataset.h).
#include "tools/nnc-train/Dataset.h"

#include "reference/Npy.h"

#include <cstring>

namespace nnc::train {

using ref::Status;

const ref::Tensor *Dataset::column(const std::string &name) const {
  for (const auto &[n, t] : columns)
    if (n == name)
      return &t;
  return nullptr;
}

namespace {

/// Converts integer labels to the declared integer dtype, value by value.
Status convertInts(const std::string &file, ref::Tensor &t, ref::DType to) {
  ref::Tensor out(to, t.shape());
  for (int64_t i = 0; i < t.numel(); ++i) {
    int64_t v = t.getInt(i);
    if (to == ref::DType::I32 && (v < INT32_MIN || v > INT32_MAX))
      return Status::failure(file + ": value " + std::to_string(v) + " at " +
                             std::to_string(i) +
                             " does not fit the model's i32");
    out.setInt(i, v);
  }
  t = std::move(out);
  return Status::success();
}

Status checkColumn(const std::string &file, const ref::Decl &d,
                   ref::Tensor &t) {
  std::string want = d.type.str();
  if (d.type.dims.empty() || d.type.dims[0].isStatic())
    return Status::failure("input '" + d.name + "' is " + want +
                           ": nnc-train needs a dynamic batch dim first");
  if (t.dtype() != d.type.dtype) {
    if (!ref::isInt(t.dtype()) || !ref::isInt(d.type.dtype))
      return Status::failure(file + " is " + t.typeString() + " but input '" +
                             d.name + "' is " + want +
                             " (convert the array to " +
                             ref::dtypeName(d.type.dtype) + ")");
    if (Status s = convertInts(file, t, d.type.dtype); !s.ok())
      return s;
  }
  bool ok = size_t(t.rank()) == d.type.dims.size();
  for (size_t i = 1; ok && i < d.type.dims.size(); ++i)
    ok = !d.type.dims[i].isStatic() || d.type.dims[i].size == t.shape()[i];
  if (!ok)
    return Status::failure(file + " is " + t.typeString() + " but input '" +
                           d.name + "' is " + want +
                           " (samples along the first axis)");
  return Status::success();
}

} // namespace

Status loadDataset(const std::string &dir,
                   const std::vector<const ref::Decl *> &inputs, Dataset &out) {
  out.dir = dir;
  out.columns.clear();
  for (const ref::Decl *d : inputs) {
    std::string file = dir + "/" + d->name + ".npy";
    ref::Tensor t;
    if (Status s = ref::readNpy(file, t); !s.ok())
      return s;
    if (Status s = checkColumn(file, *d, t); !s.ok())
      return s;
    if (out.columns.empty()) {
      out.size = t.shape()[0];
    } else if (t.shape()[0] != out.size) {
      return Status::failure(dir + ": " + out.columns[0].first + ".npy holds " +
                             std::to_string(out.size) + " samples but " +
                             d->name + ".npy holds " +
                             std::to_string(t.shape()[0]));
    }
    out.columns.emplace_back(d->name, std::move(t));
  }
  if (out.size == 0)
    return Status::failure(dir + ": no samples");
  return Status::success();
}

ref::Tensor gatherRows(const ref::Tensor &column, const int64_t *rows,
                       int64_t n) {
  ref::Shape shape = column.shape();
  size_t rowBytes = shape[0] ? column.bytes().size() / size_t(shape[0]) : 0;
  shape[0] = n;
  ref::Tensor out(column.dtype(), shape);
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(out.bytes().data() + size_t(i) * rowBytes,
                column.bytes().data() + size_t(rows[i]) * rowBytes, rowBytes);
  return out;
}

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void shuffle(std::vector<int64_t> &perm, SplitMix64 &rng) {
  for (size_t i = perm.size(); i-- > 1;) {
    size_t j = size_t(rng.next() % uint64_t(i + 1));
    std::swap(perm[i], perm[j]);
  }
}

} // namespace nnc::train
