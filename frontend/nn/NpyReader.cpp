// NpyReader: reads NumPy .npy files for `load("file.npy")` initializers.
#include "frontend/nn/NpyReader.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace nnc::nnlang;

namespace {
/// A tiny scanner over the Python-literal header dict.
struct HeaderScanner {
  llvm::StringRef s;
  void skipSpace() { s = s.ltrim(" \t\n"); }
  bool consume(llvm::StringRef tok) {
    skipSpace();
    return s.consume_front(tok);
  }
  bool quoted(std::string &out) {
    skipSpace();
    if (s.empty() || (s[0] != '\'' && s[0] != '"'))
      return false;
    char q = s[0];
    size_t end = s.find(q, 1);
    if (end == llvm::StringRef::npos)
      return false;
    out = s.substr(1, end - 1).str();
    s = s.drop_front(end + 1);
    return true;
  }
};
} // namespace

bool nnc::nnlang::parseNpy(llvm::StringRef bytes, NpyArray &out,
                           std::string &error) {
  if (!bytes.starts_with("\x93NUMPY") || bytes.size() < 10) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  auto u8 = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  unsigned major = u8(6);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = u8(8) | (u8(9) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      error = "truncated .npy header";
      return false;
    }
    headerLen = u8(8) | (u8(9) << 8) | (u8(10) << 16) |
                (static_cast<size_t>(u8(11)) << 24);
    headerStart = 12;
  } else {
    error = "unsupported .npy version " + std::to_string(major);
    return false;
  }
  if (bytes.size() < headerStart + headerLen) {
    error = "truncated .npy header";
    return false;
  }
  HeaderScanner h{bytes.substr(headerStart, headerLen)};
  std::string descr;
  bool haveDescr = false, haveOrder = false, haveShape = false;
  if (!h.consume("{")) {
    error = "malformed .npy header";
    return false;
  }
  while (!h.consume("}")) {
    std::string key;
    if (!h.quoted(key) || !h.consume(":")) {
      error = "malformed .npy header";
      return false;
    }
    if (key == "descr") {
      if (!h.quoted(descr)) {
        error = "unsupported .npy dtype (structured arrays are not supported)";
        return false;
      }
      haveDescr = true;
    } else if (key == "fortran_order") {
      if (h.consume("True")) {
        error = "Fortran-order .npy arrays are not supported; save in C order";
        return false;
      }
      if (!h.consume("False")) {
        error = "malformed .npy header";
        return false;
      }
      haveOrder = true;
    } else if (key == "shape") {
      if (!h.consume("(")) {
        error = "malformed .npy header";
        return false;
      }
      out.shape.clear();
      while (!h.consume(")")) {
        h.skipSpace();
        size_t n = 0;
        while (n < h.s.size() && h.s[n] >= '0' && h.s[n] <= '9')
          ++n;
        int64_t v;
        if (n == 0 || h.s.substr(0, n).getAsInteger(10, v)) {
          error = "malformed .npy shape";
          return false;
        }
        out.shape.push_back(v);
        h.s = h.s.drop_front(n);
        h.consume(",");
      }
      haveShape = true;
    } else {
      error = "unexpected key '" + key + "' in .npy header";
      return false;
    }
    h.consume(",");
  }
  if (!haveDescr || !haveOrder || !haveShape) {
    error = "malformed .npy header";
    return false;
  }
  // '<' (or '|' for single bytes, as NumPy writes them): little-endian.
  static const struct {
    const char *descr, *dtype;
    size_t size;
  } table[] = {{"<f8", "f64", 8},  {"<f4", "f32", 4}, {"<f2", "f16", 2},
               {"|i1", "i8", 1},   {"<i2", "i16", 2}, {"<i4", "i32", 4},
               {"<i8", "i64", 8},  {"|u1", "u8", 1},  {"<u2", "u16", 2},
               {"<u4", "u32", 4},  {"<u8", "u64", 8}, {"|b1", "bool", 1}};
  size_t itemSize = 0;
  for (const auto &e : table) {
    if (descr == e.descr) {
      out.dtype = e.dtype;
      itemSize = e.size;
    }
  }
  if (!itemSize) {
    error = "unsupported .npy dtype '" + descr +
            "' (expected <f8, <f4, <f2, |i1, <i2, <i4, <i8, |u1, <u2, <u4, "
            "<u8 or |b1)";
    return false;
  }
  uint64_t count = 1;
  for (int64_t d : out.shape) {
    if (d != 0 && count > (UINT64_MAX / 16) / static_cast<uint64_t>(d)) {
      error = ".npy shape is too large";
      return false;
    }
    count *= static_cast<uint64_t>(d);
  }
  uint64_t size = count * itemSize;
  size_t dataStart = headerStart + headerLen;
  if (bytes.size() - dataStart != size) {
    error = ".npy data has " + std::to_string(bytes.size() - dataStart) +
            " bytes, expected " + std::to_string(size);
    return false;
  }
  out.data.assign(bytes.bytes_begin() + dataStart, bytes.bytes_end());
  return true;
}

bool nnc::nnlang::readNpy(llvm::StringRef path, NpyArray &out,
                          std::string &error) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    error = "cannot read '" + path.str() + "': " + buf.getError().message();
    return false;
  }
  if (!parseNpy((*buf)->getBuffer(), out, error)) {
    error = "'" + path.str() + "': " + error;
    return false;
  }
  return true;
}
