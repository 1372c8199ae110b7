// NpyReader: reads NumPy .npy files for `load("file.npy")` initializers.
#ifndef NNC_FRONTEND_NN_NPYREADER_H
#define NNC_FRONTEND_NN_NPYREADER_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <string>
#include <vector>

namespace nnc::nnlang {

struct NpyArray {
  std::string dtype; // nn spelling: f32 f16 i32 i64 bool
  std::vector<int64_t> shape;
  std::vector<uint8_t> data; // raw little-endian bytes, C order
};

/// Parses the bytes of a .npy file (versions 1-3; dtypes <f4 <f2 <i4 <i8 |b1;
/// C order only). On failure returns false and sets `error`.
bool parseNpy(llvm::StringRef bytes, NpyArray &out, std::string &error);

/// Reads and parses the .npy file at `path`.
bool readNpy(llvm::StringRef path, NpyArray &out, std::string &error);

} // namespace nnc::nnlang

#endif // NNC_FRONTEND_NN_NPYREADER_H
