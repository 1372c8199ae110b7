// .npy header parsing/printing and a small zip reader/writer for .npz.
#include "reference/Npy.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <zlib.h>

namespace nnc::ref {

namespace {

bool readFile(const std::string &path, std::vector<uint8_t> &bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0)
    return false;
  in.seekg(0);
  bytes.resize(static_cast<size_t>(size));
  if (size > 0)
    in.read(reinterpret_cast<char *>(bytes.data()), size);
  return static_cast<bool>(in);
}

Status writeFile(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    return Status::failure("cannot open '" + path + "' for writing");
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out)
    return Status::failure("cannot write '" + path + "'");
  return Status::success();
}

// A tiny scanner for the header dict: {'descr': '<f4', 'fortran_order':
// False, 'shape': (3, 4), }
struct HeaderScanner {
  const std::string &s;
  size_t pos = 0;
  explicit HeaderScanner(const std::string &text) : s(text) {}
  void skipSpace() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\n' || s[pos] == '\t'))
      ++pos;
  }
  bool eat(char c) {
    skipSpace();
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    skipSpace();
    return pos < s.size() && s[pos] == c;
  }
  bool string(std::string &out) {
    skipSpace();
    if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"'))
      return false;
    char q = s[pos++];
    out.clear();
    while (pos < s.size() && s[pos] != q)
      out += s[pos++];
    if (pos >= s.size())
      return false;
    ++pos;
    return true;
  }
  bool word(std::string &out) {
    skipSpace();
    out.clear();
    while (pos < s.size() && ((s[pos] >= 'A' && s[pos] <= 'Z') ||
                              (s[pos] >= 'a' && s[pos] <= 'z')))
      out += s[pos++];
    return !out.empty();
  }
  bool integer(int64_t &out) {
    skipSpace();
    size_t start = pos;
    out = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (out > (int64_t(1) << 50))
        return false;
      out = out * 10 + (s[pos++] - '0');
    }
    if (pos < s.size() && s[pos] == 'L') // Python 2 longs
      ++pos;
    return pos > start;
  }
};

Status parseHeader(const std::string &header, DType &dtype, Shape &shape,
                   const std::string &what) {
  auto bad = [&](const std::string &msg) {
    return Status::failure(what + ": bad .npy header: " + msg);
  };
  HeaderScanner sc(header);
  if (!sc.eat('{'))
    return bad("expected '{'");
  bool haveDescr = false, haveOrder = false, haveShape = false;
  std::string descr;
  while (!sc.eat('}')) {
    std::string key;
    if (!sc.string(key))
      return bad("expected a quoted key");
    if (!sc.eat(':'))
      return bad("expected ':' after '" + key + "'");
    if (key == "descr") {
      if (!sc.string(descr))
        return bad("descr must be a string (structured dtypes are not supported)");
      haveDescr = true;
    } else if (key == "fortran_order") {
      std::string w;
      if (!sc.word(w) || (w != "True" && w != "False"))
        return bad("fortran_order must be True or False");
      if (w == "True")
        return Status::failure(what + ": Fortran-order arrays are not supported; "
                                      "save a C-contiguous array "
                                      "(np.ascontiguousarray)");
      haveOrder = true;
    } else if (key == "shape") {
      if (!sc.eat('('))
        return bad("shape must be a tuple");
      shape.clear();
      while (!sc.eat(')')) {
        int64_t d;
        if (!sc.integer(d))
          return bad("bad dimension in shape");
        shape.push_back(d);
        if (!sc.eat(',') && !sc.peek(')'))
          return bad("expected ',' or ')' in shape");
      }
      haveShape = true;
    } else {
      return bad("unknown key '" + key + "'");
    }
    if (!sc.eat(',') && !sc.peek('}'))
      return bad("expected ',' or '}'");
  }
  if (!haveDescr || !haveOrder || !haveShape)
    return bad("missing descr, fortran_order or shape");
  // '<' and '=' (native, little-endian here) for multi-byte types; '|'
  // (no byte order) for single bytes, which NumPy writes.
  static const struct {
    const char *code;
    DType dtype;
  } table[] = {{"f8", DType::F64}, {"f4", DType::F32}, {"f2", DType::F16},
               {"i1", DType::I8},  {"i2", DType::I16}, {"i4", DType::I32},
               {"i8", DType::I64}, {"u1", DType::U8},  {"u2", DType::U16},
               {"u4", DType::U32}, {"u8", DType::U64}, {"b1", DType::Bool}};
  if (descr.size() == 3 && (descr[0] == '<' || descr[0] == '=' ||
                            descr[0] == '|')) {
    for (const auto &e : table) {
      if (descr.compare(1, 2, e.code) == 0) {
        dtype = e.dtype;
        return Status::success();
      }
    }
  }
  std::string hint;
  if (!descr.empty() && descr[0] == '>')
    hint = " (big-endian)";
  return Status::failure(what + ": unsupported .npy dtype '" + descr + "'" +
                         hint +
                         "; supported: <f8 <f4 <f2 |i1 <i2 <i4 <i8 |u1 <u2 "
                         "<u4 <u8 |b1");
}

uint32_t le16(const uint8_t *p) { return p[0] | (p[1] << 8); }
uint32_t le32(const uint8_t *p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
         (uint32_t(p[3]) << 24);
}
uint64_t le64(const uint8_t *p) {
  return uint64_t(le32(p)) | (uint64_t(le32(p + 4)) << 32);
}
void put16(std::vector<uint8_t> &v, uint32_t x) {
  v.push_back(x & 0xff);
  v.push_back((x >> 8) & 0xff);
}
void put32(std::vector<uint8_t> &v, uint32_t x) {
  put16(v, x & 0xffff);
  put16(v, x >> 16);
}

} // namespace

Status decodeNpy(const uint8_t *data, size_t size, Tensor &out,
                 const std::string &what) {
  static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10 || std::memcmp(data, magic, 6) != 0)
    return Status::failure(what + ": not a .npy file (bad magic)");
  unsigned major = data[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = le16(data + 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return Status::failure(what + ": truncated .npy header");
    headerLen = le32(data + 8);
    headerStart = 12;
  } else {
    return Status::failure(what + ": unsupported .npy format version " +
                           std::to_string(major) + "." +
                           std::to_string(data[7]));
  }
  if (headerLen > size - headerStart)
    return Status::failure(what + ": truncated .npy header");
  std::string header(reinterpret_cast<const char *>(data + headerStart),
                     headerLen);
  DType dtype;
  Shape shape;
  Status s = parseHeader(header, dtype, shape, what);
  if (!s.ok())
    return s;
  // Guard the element count before allocating.
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d != 0 && count > (uint64_t(1) << 62) / uint64_t(d))
      return Status::failure(what + ": shape too large");
    count *= uint64_t(d);
  }
  size_t dataStart = headerStart + headerLen;
  uint64_t need = count * dtypeSize(dtype);
  if (need > size - dataStart)
    return Status::failure(what + ": truncated .npy data: expected " +
                           std::to_string(need) + " bytes, found " +
                           std::to_string(size - dataStart));
  out = Tensor(dtype, shape);
  if (need)
    std::memcpy(out.bytes().data(), data + dataStart, need);
  return Status::success();
}

Status encodeNpy(const Tensor &t, std::vector<uint8_t> &out) {
  const char *descr = nullptr;
  switch (t.dtype()) {
  case DType::F32:
    descr = "<f4";
    break;
  case DType::F64:
    descr = "<f8";
    break;
  case DType::F16:
    descr = "<f2";
    break;
  case DType::I8:
    descr = "|i1";
    break;
  case DType::I16:
    descr = "<i2";
    break;
  case DType::U8:
    descr = "|u1";
    break;
  case DType::U16:
    descr = "<u2";
    break;
  case DType::U32:
    descr = "<u4";
    break;
  case DType::U64:
    descr = "<u8";
    break;
  case DType::I32:
    descr = "<i4";
    break;
  case DType::I64:
    descr = "<i8";
    break;
  case DType::Bool:
    descr = "|b1";
    break;
  case DType::BF16:
    return Status::failure("bf16 tensors cannot be stored in .npy (NumPy has "
                           "no bfloat16); cast to f32 first");
  }
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < t.shape().size(); ++i) {
    header += std::to_string(t.shape()[i]);
    header += t.shape().size() == 1 ? "," : (i + 1 < t.shape().size() ? ", " : "");
  }
  header += "), }";
  // Pad with spaces so the data starts at a multiple of 64, ending in '\n'.
  size_t total = 10 + header.size() + 1;
  size_t pad = (64 - total % 64) % 64;
  header.append(pad, ' ');
  header += '\n';
  if (header.size() > 65535)
    return Status::failure("npy header too long");
  out.clear();
  out.reserve(10 + header.size() + t.bytes().size());
  static const uint8_t magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  for (uint8_t b : magic)
    out.push_back(b);
  put16(out, static_cast<uint32_t>(header.size()));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), t.bytes().begin(), t.bytes().end());
  return Status::success();
}

Status readNpy(const std::string &path, Tensor &out) {
  std::vector<uint8_t> bytes;
  if (!readFile(path, bytes))
    return Status::failure("cannot read '" + path + "'");
  return decodeNpy(bytes.data(), bytes.size(), out, path);
}

Status writeNpy(const std::string &path, const Tensor &t) {
  std::vector<uint8_t> bytes;
  Status s = encodeNpy(t, bytes);
  if (!s.ok())
    return Status::failure(path + ": " + s.message());
  return writeFile(path, bytes);
}

// Zip layout (PKWARE APPNOTE): entries are found through the central
// directory; zip64 extra fields and the zip64 end record are honoured.
Status readNpz(const std::string &path, NamedTensors &out) {
  out.clear();
  std::vector<uint8_t> z;
  if (!readFile(path, z))
    return Status::failure("cannot read '" + path + "'");
  auto bad = [&](const std::string &msg) {
    return Status::failure(path + ": " + msg);
  };
  const size_t n = z.size();
  if (n < 22)
    return bad("not a .npz file (too short for a zip archive)");
  size_t eocd = std::string::npos;
  size_t lowest = n > 22 + 65535 ? n - 22 - 65535 : 0;
  for (size_t p = n - 22 + 1; p-- > lowest;) {
    if (le32(&z[p]) == 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd == std::string::npos)
    return bad("not a .npz file (no zip end-of-central-directory record; "
               "truncated?)");
  uint64_t entries = le16(&z[eocd + 10]);
  uint64_t cdSize = le32(&z[eocd + 12]);
  uint64_t cdOffset = le32(&z[eocd + 16]);
  if (entries == 0xffff || cdSize == 0xffffffff || cdOffset == 0xffffffff) {
    if (eocd < 20 || le32(&z[eocd - 20]) != 0x07064b50)
      return bad("zip64 archive without a zip64 locator");
    uint64_t rec = le64(&z[eocd - 20 + 8]);
    if (rec > n || n - rec < 56 || le32(&z[rec]) != 0x06064b50)
      return bad("corrupt zip64 end-of-central-directory record");
    entries = le64(&z[rec + 32]);
    cdSize = le64(&z[rec + 40]);
    cdOffset = le64(&z[rec + 48]);
  }
  if (cdOffset > n || cdSize > n - cdOffset)
    return bad("corrupt zip central directory (truncated file?)");
  size_t p = static_cast<size_t>(cdOffset);
  for (uint64_t e = 0; e < entries; ++e) {
    if (p + 46 > n || le32(&z[p]) != 0x02014b50)
      return bad("corrupt zip central directory entry");
    uint32_t flags = le16(&z[p + 8]);
    uint32_t method = le16(&z[p + 10]);
    uint32_t crc = le32(&z[p + 16]);
    uint64_t compSize = le32(&z[p + 20]);
    uint64_t size = le32(&z[p + 24]);
    size_t nameLen = le16(&z[p + 28]);
    size_t extraLen = le16(&z[p + 30]);
    size_t commentLen = le16(&z[p + 32]);
    uint64_t localOffset = le32(&z[p + 42]);
    if (p + 46 + nameLen + extraLen + commentLen > n)
      return bad("corrupt zip central directory entry");
    std::string name(reinterpret_cast<const char *>(&z[p + 46]), nameLen);
    // Zip64 extra: the 8-byte fields present are those saturated above.
    size_t x = p + 46 + nameLen, xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      uint32_t id = le16(&z[x]), len = le16(&z[x + 2]);
      if (x + 4 + len > xEnd)
        return bad("corrupt zip extra field in '" + name + "'");
      if (id == 0x0001) {
        size_t q = x + 4, qEnd = q + len;
        auto take = [&](uint64_t &field) {
          if (field == 0xffffffff && q + 8 <= qEnd) {
            field = le64(&z[q]);
            q += 8;
          }
        };
        take(size);
        take(compSize);
        take(localOffset);
      }
      x += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1)
      return bad("entry '" + name + "' is encrypted");
    if (localOffset > n || n - localOffset < 30 ||
        le32(&z[localOffset]) != 0x04034b50)
      return bad("corrupt local header for '" + name + "'");
    uint64_t dataStart =
        localOffset + 30 + le16(&z[localOffset + 26]) + le16(&z[localOffset + 28]);
    if (dataStart > n || compSize > n - dataStart)
      return bad("entry '" + name + "' is truncated");
    const uint8_t *src = &z[dataStart];
    std::vector<uint8_t> plain;
    if (size > (uint64_t(1) << 40))
      return bad("entry '" + name + "' is too large");
    if (method == 0) {
      if (compSize != size)
        return bad("stored entry '" + name + "' has inconsistent sizes");
      plain.assign(src, src + size);
    } else if (method == 8) {
      plain.resize(static_cast<size_t>(size));
      z_stream zs;
      std::memset(&zs, 0, sizeof zs);
      if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
        return bad("zlib initialisation failed");
      zs.next_in = const_cast<Bytef *>(src);
      zs.avail_in = static_cast<uInt>(compSize);
      zs.next_out = plain.data();
      zs.avail_out = static_cast<uInt>(size);
      int rc = inflate(&zs, Z_FINISH);
      uint64_t produced = zs.total_out;
      inflateEnd(&zs);
      if (rc != Z_STREAM_END || produced != size)
        return bad("entry '" + name + "' is corrupt (deflate data error)");
    } else {
      return bad("entry '" + name + "' uses unsupported compression method " +
                 std::to_string(method));
    }
    uint32_t actual = static_cast<uint32_t>(
        crc32(0L, plain.data(), static_cast<uInt>(plain.size())));
    if (actual != crc)
      return bad("entry '" + name + "' is corrupt (CRC mismatch)");
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".npy") != 0)
      return bad("entry '" + name + "' is not a .npy file");
    Tensor t;
    Status s = decodeNpy(plain.data(), plain.size(), t, path + "[" + name + "]");
    if (!s.ok())
      return s;
    out.emplace_back(name.substr(0, name.size() - 4), std::move(t));
  }
  return Status::success();
}

Status writeNpz(const std::string &path, const NamedTensors &tensors) {
  std::vector<uint8_t> zip, central;
  for (const auto &[name, tensor] : tensors) {
    std::vector<uint8_t> npy;
    Status s = encodeNpy(tensor, npy);
    if (!s.ok())
      return Status::failure(path + ": '" + name + "': " + s.message());
    if (npy.size() >= 0xffffffffu || zip.size() >= 0xffffffffu)
      return Status::failure(path + ": archive too large for a non-zip64 .npz");
    std::string entry = name + ".npy";
    uint32_t crc = static_cast<uint32_t>(
        crc32(0L, npy.data(), static_cast<uInt>(npy.size())));
    uint32_t offset = static_cast<uint32_t>(zip.size());
    // Local header.
    put32(zip, 0x04034b50);
    put16(zip, 20);
    put16(zip, 0);
    put16(zip, 0);
    put16(zip, 0);
    put16(zip, 0x21); // 1980-01-01
    put32(zip, crc);
    put32(zip, static_cast<uint32_t>(npy.size()));
    put32(zip, static_cast<uint32_t>(npy.size()));
    put16(zip, static_cast<uint32_t>(entry.size()));
    put16(zip, 0);
    zip.insert(zip.end(), entry.begin(), entry.end());
    zip.insert(zip.end(), npy.begin(), npy.end());
    // Central directory record.
    put32(central, 0x02014b50);
    put16(central, 20);
    put16(central, 20);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0x21);
    put32(central, crc);
    put32(central, static_cast<uint32_t>(npy.size()));
    put32(central, static_cast<uint32_t>(npy.size()));
    put16(central, static_cast<uint32_t>(entry.size()));
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0);
    put32(central, offset);
    central.insert(central.end(), entry.begin(), entry.end());
  }
  if (tensors.size() >= 0xffff || zip.size() >= 0xffffffffu)
    return Status::failure(path + ": archive too large for a non-zip64 .npz");
  uint32_t cdOffset = static_cast<uint32_t>(zip.size());
  zip.insert(zip.end(), central.begin(), central.end());
  put32(zip, 0x06054b50);
  put16(zip, 0);
  put16(zip, 0);
  put16(zip, static_cast<uint32_t>(tensors.size()));
  put16(zip, static_cast<uint32_t>(tensors.size()));
  put32(zip, static_cast<uint32_t>(central.size()));
  put32(zip, cdOffset);
  put16(zip, 0);
  return writeFile(path, zip);
}

} // namespace nnc::ref
