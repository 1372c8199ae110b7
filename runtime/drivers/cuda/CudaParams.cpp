// CudaParams: kernel-parameter packing and PTX entry signatures for CUDA.
#include "runtime/drivers/cuda/CudaParams.h"

#include <cctype>
#include <cstring>

namespace nnc::rt::cuda {

namespace {

uint32_t scalarBytes(ScalarType type) {
  switch (type) {
  case ScalarType::I1:
  case ScalarType::I8:
    return 1;
  case ScalarType::I16:
  case ScalarType::F16:
  case ScalarType::BF16:
    return 2;
  case ScalarType::I32:
  case ScalarType::F32:
    return 4;
  case ScalarType::Index:
  case ScalarType::I64:
  case ScalarType::F64:
    return 8;
  }
  return 0;
}

/// One kernel parameter before it is laid out: `bytes` little-endian bytes
/// of `value`.
struct Param {
  uint64_t value;
  uint32_t bytes;
};

} // namespace

DriverStatus packKernelParams(const std::vector<KernelArg> &args,
                              PackedParams &out) {
  out = PackedParams();
  std::vector<Param> params;
  for (size_t i = 0; i < args.size(); ++i) {
    const KernelArg &arg = args[i];
    std::string where = "cuda: kernel argument " + std::to_string(i);
    if (arg.kind == KernelArg::Kind::Scalar) {
      uint32_t bytes = scalarBytes(arg.scalarType);
      if (bytes == 0)
        return DriverStatus::error(where + " has an unknown scalar type");
      uint64_t value = static_cast<uint64_t>(arg.value);
      if (arg.scalarType == ScalarType::I1)
        value = arg.value != 0;
      params.push_back({value, bytes});
      continue;
    }
    if (arg.sizes.size() != arg.strides.size())
      return DriverStatus::error(
          where + ": a memref with " + std::to_string(arg.sizes.size()) +
          " sizes and " + std::to_string(arg.strides.size()) + " strides");
    uint64_t address = 0;
    if (arg.buffer) {
      auto *buffer = dynamic_cast<CudaBuffer *>(arg.buffer);
      if (!buffer)
        return DriverStatus::error(where +
                                   ": the buffer is not a CUDA allocation");
      if (arg.byteOffset > buffer->size ||
          arg.byteSize > buffer->size - arg.byteOffset)
        return DriverStatus::error(
            where + ": bytes [" + std::to_string(arg.byteOffset) + ", +" +
            std::to_string(arg.byteSize) + ") lie outside its " +
            std::to_string(buffer->size) + "-byte buffer");
      address = buffer->ptr + arg.byteOffset;
    } else if (arg.byteSize != 0) {
      return DriverStatus::error(where + ": a memref without a buffer");
    }
    params.push_back({address, 8}); // allocated pointer
    params.push_back({address, 8}); // aligned pointer
    params.push_back({static_cast<uint64_t>(arg.offset), 8});
    for (int64_t size : arg.sizes)
      params.push_back({static_cast<uint64_t>(size), 8});
    for (int64_t stride : arg.strides)
      params.push_back({static_cast<uint64_t>(stride), 8});
  }

  size_t end = 0;
  for (const Param &p : params) {
    end = (end + p.bytes - 1) / p.bytes * p.bytes;
    out.offsets.push_back(static_cast<uint32_t>(end));
    out.sizes.push_back(p.bytes);
    end += p.bytes;
  }
  out.storage.assign(end, 0);
  for (size_t i = 0; i < params.size(); ++i) {
    uint8_t *dst = out.storage.data() + out.offsets[i];
    for (uint32_t b = 0; b < params[i].bytes; ++b)
      dst[b] = static_cast<uint8_t>(params[i].value >> (8 * b));
    out.pointers.push_back(dst);
  }
  return DriverStatus::success();
}

namespace {

bool isIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         c == '.';
}

/// Bytes of a PTX fundamental type (".u64", ".b8", ".f32", ...); 0 if none.
uint32_t ptxTypeBytes(const std::string &token) {
  if (token.size() < 3 || token[0] != '.' ||
      std::strchr("usbf", token[1]) == nullptr)
    return 0;
  std::string bits = token.substr(2);
  if (bits == "8")
    return 1;
  if (bits == "16")
    return 2;
  if (bits == "32")
    return 4;
  if (bits == "64")
    return 8;
  return 0;
}

} // namespace

bool parsePtxEntryParams(const std::string &ptx, const std::string &entry,
                         std::vector<uint32_t> &sizes, std::string &error) {
  sizes.clear();
  // Find ".entry <entry>" followed by "(", as a whole word.
  size_t open = std::string::npos;
  for (size_t at = ptx.find(".entry"); at != std::string::npos;
       at = ptx.find(".entry", at + 6)) {
    size_t p = at + 6;
    while (p < ptx.size() && std::isspace(static_cast<unsigned char>(ptx[p])))
      ++p;
    if (ptx.compare(p, entry.size(), entry) != 0)
      continue;
    p += entry.size();
    if (p < ptx.size() && isIdentChar(ptx[p]))
      continue;
    while (p < ptx.size() && std::isspace(static_cast<unsigned char>(ptx[p])))
      ++p;
    if (p < ptx.size() && ptx[p] == '(') {
      open = p;
      break;
    }
  }
  if (open == std::string::npos) {
    error = "no .entry " + entry + " in the PTX";
    return false;
  }
  size_t close = ptx.find(')', open);
  if (close == std::string::npos) {
    error = "unterminated parameter list of .entry " + entry;
    return false;
  }
  std::string list = ptx.substr(open + 1, close - open - 1);
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos)
      comma = list.size();
    std::string param = list.substr(start, comma - start);
    start = comma + 1;
    // Tokens split on whitespace; the last one is the name (maybe "x[2]").
    std::vector<std::string> tokens;
    for (size_t p = 0; p < param.size();) {
      while (p < param.size() &&
             std::isspace(static_cast<unsigned char>(param[p])))
        ++p;
      size_t q = p;
      while (q < param.size() &&
             !std::isspace(static_cast<unsigned char>(param[q])))
        ++q;
      if (q > p)
        tokens.push_back(param.substr(p, q - p));
      p = q;
    }
    if (tokens.empty()) {
      if (comma == list.size() && sizes.empty())
        break; // "()": no parameters
      error = "an empty parameter in .entry " + entry;
      return false;
    }
    if (tokens[0] != ".param" || tokens.size() < 3) {
      error = "cannot read parameter '" + param + "' of .entry " + entry;
      return false;
    }
    uint32_t elementBytes = 0;
    for (size_t t = 1; t + 1 < tokens.size() && elementBytes == 0; ++t)
      elementBytes = ptxTypeBytes(tokens[t]);
    uint64_t count = 1;
    const std::string &name = tokens.back();
    size_t bracket = name.find('[');
    if (bracket != std::string::npos) {
      count = 0;
      for (size_t p = bracket + 1; p < name.size() && name[p] != ']'; ++p) {
        if (!std::isdigit(static_cast<unsigned char>(name[p])) ||
            count > (1u << 20)) {
          count = 0;
          break;
        }
        count = count * 10 + (name[p] - '0');
      }
    }
    if (elementBytes == 0 || count == 0) {
      error = "cannot read parameter '" + param + "' of .entry " + entry;
      return false;
    }
    sizes.push_back(static_cast<uint32_t>(elementBytes * count));
    if (comma == list.size())
      break;
  }
  return true;
}

DriverStatus checkLaunchShape(const uint64_t grid[3], const uint64_t block[3],
                              const LaunchLimits &limits,
                              const std::string &kernel) {
  static const char *const axis[3] = {"x", "y", "z"};
  if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0)
    return DriverStatus::success();
  uint64_t threads = 1;
  for (int d = 0; d < 3; ++d) {
    if (grid[d] > limits.maxGrid[d])
      return DriverStatus::error("cuda: launch of " + kernel + ": grid." +
                                 axis[d] + " = " + std::to_string(grid[d]) +
                                 " exceeds the device's limit of " +
                                 std::to_string(limits.maxGrid[d]));
    if (block[d] == 0 || block[d] > limits.maxBlock[d])
      return DriverStatus::error("cuda: launch of " + kernel + ": block." +
                                 axis[d] + " = " + std::to_string(block[d]) +
                                 " is outside the device's range 1.." +
                                 std::to_string(limits.maxBlock[d]));
    threads *= block[d];
  }
  if (threads > limits.maxThreadsPerBlock)
    return DriverStatus::error("cuda: launch of " + kernel + ": a block of " +
                               std::to_string(threads) +
                               " threads exceeds the device's limit of " +
                               std::to_string(limits.maxThreadsPerBlock));
  return DriverStatus::success();
}

} // namespace nnc::rt::cuda
