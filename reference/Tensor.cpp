// Tensor storage, dtype names and the f16/bf16 rounding conversions.
#include "reference/Tensor.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace nnc::ref {

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  case DType::Bool:
    return "bool";
  }
  return "?";
}

bool parseDType(const std::string &text, DType &dtype) {
  static const struct {
    const char *name;
    DType dtype;
  } table[] = {{"f32", DType::F32}, {"f16", DType::F16}, {"bf16", DType::BF16},
               {"i32", DType::I32}, {"i64", DType::I64}, {"bool", DType::Bool},
               {"i1", DType::Bool}};
  for (const auto &entry : table) {
    if (text == entry.name) {
      dtype = entry.dtype;
      return true;
    }
  }
  return false;
}

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::I64:
    return 8;
  case DType::Bool:
    return 1;
  }
  return 1;
}

bool isFloat(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}
bool isInt(DType dtype) { return dtype == DType::I32 || dtype == DType::I64; }

// Rounds a finite double to a binary format with `mantissaBits` fraction bits
// and minimum normal exponent `minExp`. Scaling by a power of two is exact, so
// std::nearbyint (ties to even in the default rounding mode) does the rounding.
static double roundToFormat(double v, int mantissaBits, int minExp) {
  if (v == 0 || !std::isfinite(v))
    return v;
  int exp;
  std::frexp(v, &exp); // v = m * 2^exp, 0.5 <= |m| < 1
  int e = exp - 1;     // v = 1.x * 2^e
  if (e < minExp)
    e = minExp;
  double quantum = std::ldexp(1.0, e - mantissaBits);
  return std::nearbyint(v / quantum) * quantum;
}

static uint32_t floatBits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

uint16_t doubleToHalf(double value) {
  if (std::isnan(value))
    return std::signbit(value) ? 0xfe00 : 0x7e00;
  double r = roundToFormat(value, 10, -14);
  uint16_t sign = std::signbit(r) ? 0x8000 : 0;
  double a = std::fabs(r);
  if (a > 65504.0)
    return sign | 0x7c00;
  if (a == 0)
    return sign;
  int exp;
  double m = std::frexp(a, &exp); // a = m * 2^exp
  int e = exp - 1;
  if (e < -14) // subnormal: a = k * 2^-24
    return sign | static_cast<uint16_t>(std::ldexp(a, 24));
  uint16_t frac = static_cast<uint16_t>(std::ldexp(m * 2 - 1, 10));
  return sign | static_cast<uint16_t>((e + 15) << 10) | frac;
}

double halfToDouble(uint16_t bits) {
  double sign = (bits & 0x8000) ? -1.0 : 1.0;
  int e = (bits >> 10) & 0x1f;
  int f = bits & 0x3ff;
  if (e == 0x1f)
    return f ? std::numeric_limits<double>::quiet_NaN()
             : sign * std::numeric_limits<double>::infinity();
  if (e == 0)
    return sign * std::ldexp(f, -24);
  return sign * std::ldexp(1024 + f, e - 25);
}

uint16_t doubleToBF16(double value) {
  if (std::isnan(value))
    return std::signbit(value) ? 0xffc0 : 0x7fc0;
  double r = roundToFormat(value, 7, -126);
  const double maxBF16 = std::ldexp(255.0, 120); // (2 - 2^-7) * 2^127
  if (std::fabs(r) > maxBF16)
    return std::signbit(r) ? 0xff80 : 0x7f80;
  // r is exactly representable in bf16, hence in f32.
  return static_cast<uint16_t>(floatBits(static_cast<float>(r)) >> 16);
}

double bf16ToDouble(uint16_t bits) {
  uint32_t b = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

double roundToDType(double value, DType dtype) {
  switch (dtype) {
  case DType::F32:
    return static_cast<float>(value);
  case DType::F16:
    return halfToDouble(doubleToHalf(value));
  case DType::BF16:
    return bf16ToDouble(doubleToBF16(value));
  default:
    return value;
  }
}

int64_t numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string shapeString(const Shape &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Tensor::Tensor(DType dtype, Shape shape)
    : dtype_(dtype), shape_(std::move(shape)),
      data_(static_cast<size_t>(numElements(shape_)) * dtypeSize(dtype), 0) {}

std::string Tensor::typeString() const {
  return std::string(dtypeName(dtype_)) + shapeString(shape_);
}

template <typename T> static T loadAs(const std::vector<uint8_t> &d, int64_t i) {
  T v;
  std::memcpy(&v, d.data() + i * sizeof(T), sizeof(T));
  return v;
}
template <typename T>
static void storeAs(std::vector<uint8_t> &d, int64_t i, T v) {
  std::memcpy(d.data() + i * sizeof(T), &v, sizeof(T));
}

double Tensor::getDouble(int64_t i) const {
  switch (dtype_) {
  case DType::F32:
    return loadAs<float>(data_, i);
  case DType::F16:
    return halfToDouble(loadAs<uint16_t>(data_, i));
  case DType::BF16:
    return bf16ToDouble(loadAs<uint16_t>(data_, i));
  case DType::I32:
    return loadAs<int32_t>(data_, i);
  case DType::I64:
    return static_cast<double>(loadAs<int64_t>(data_, i));
  case DType::Bool:
    return data_[i] ? 1.0 : 0.0;
  }
  return 0;
}

// Float to integer: truncation toward zero; NaN and out-of-range values are
// clamped (C++ leaves them undefined, so pin one answer).
static int64_t truncToInt64(double v) {
  if (std::isnan(v))
    return 0;
  if (v >= 9.2233720368547758e18)
    return std::numeric_limits<int64_t>::max();
  if (v <= -9.2233720368547758e18)
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(std::trunc(v));
}

void Tensor::setDouble(int64_t i, double v) {
  switch (dtype_) {
  case DType::F32:
    storeAs<float>(data_, i, static_cast<float>(v));
    return;
  case DType::F16:
    storeAs<uint16_t>(data_, i, doubleToHalf(v));
    return;
  case DType::BF16:
    storeAs<uint16_t>(data_, i, doubleToBF16(v));
    return;
  case DType::I32: {
    double t = std::isnan(v) ? 0 : std::trunc(v);
    if (t > 2147483647.0)
      t = 2147483647.0;
    if (t < -2147483648.0)
      t = -2147483648.0;
    storeAs<int32_t>(data_, i, static_cast<int32_t>(t));
    return;
  }
  case DType::I64:
    storeAs<int64_t>(data_, i, truncToInt64(v));
    return;
  case DType::Bool:
    data_[i] = v != 0 ? 1 : 0;
    return;
  }
}

int64_t Tensor::getInt(int64_t i) const {
  switch (dtype_) {
  case DType::I32:
    return loadAs<int32_t>(data_, i);
  case DType::I64:
    return loadAs<int64_t>(data_, i);
  case DType::Bool:
    return data_[i] ? 1 : 0;
  default:
    return truncToInt64(getDouble(i));
  }
}

void Tensor::setInt(int64_t i, int64_t v) {
  switch (dtype_) {
  case DType::I32:
    storeAs<int32_t>(data_, i,
                     static_cast<int32_t>(static_cast<uint32_t>(
                         static_cast<uint64_t>(v) & 0xffffffffu)));
    return;
  case DType::I64:
    storeAs<int64_t>(data_, i, v);
    return;
  case DType::Bool:
    data_[i] = v != 0 ? 1 : 0;
    return;
  default:
    setDouble(i, static_cast<double>(v));
    return;
  }
}

} // namespace nnc::ref
