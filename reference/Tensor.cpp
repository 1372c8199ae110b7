// Tensor storage, dtype names and the f16/bf16 rounding conversions.
#include "reference/Tensor.h"

#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>

namespace nnc::ref {

namespace {
struct DTypeInfo {
  DType dtype;
  const char *name;
  size_t size;
};
// Indexed by DType.
const DTypeInfo kDTypes[] = {
    {DType::F32, "f32", 4},  {DType::F16, "f16", 2},   {DType::BF16, "bf16", 2},
    {DType::I32, "i32", 4},  {DType::I64, "i64", 8},   {DType::Bool, "bool", 1},
    {DType::F64, "f64", 8},  {DType::I8, "i8", 1},     {DType::I16, "i16", 2},
    {DType::U8, "u8", 1},    {DType::U16, "u16", 2},   {DType::U32, "u32", 4},
    {DType::U64, "u64", 8}};
const DTypeInfo *info(DType dtype) {
  size_t i = static_cast<size_t>(dtype);
  return i < std::size(kDTypes) ? &kDTypes[i] : nullptr;
}
} // namespace

const char *dtypeName(DType dtype) {
  const DTypeInfo *i = info(dtype);
  return i ? i->name : "?";
}

bool parseDType(const std::string &text, DType &dtype) {
  for (const DTypeInfo &entry : kDTypes) {
    if (text == entry.name) {
      dtype = entry.dtype;
      return true;
    }
  }
  if (text == "i1") {
    dtype = DType::Bool;
    return true;
  }
  return false;
}

size_t dtypeSize(DType dtype) {
  const DTypeInfo *i = info(dtype);
  return i ? i->size : 1;
}

bool isFloat(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16 ||
         dtype == DType::F64;
}
bool isUnsigned(DType dtype) {
  return dtype == DType::U8 || dtype == DType::U16 || dtype == DType::U32 ||
         dtype == DType::U64;
}
bool isInt(DType dtype) {
  return dtype == DType::I8 || dtype == DType::I16 || dtype == DType::I32 ||
         dtype == DType::I64 || isUnsigned(dtype);
}

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
  case DType::F64:
    return loadAs<double>(data_, i);
  case DType::F16:
    return halfToDouble(loadAs<uint16_t>(data_, i));
  case DType::BF16:
    return bf16ToDouble(loadAs<uint16_t>(data_, i));
  case DType::U64:
    return static_cast<double>(loadAs<uint64_t>(data_, i));
  case DType::I8:
  case DType::I16:
  case DType::I32:
  case DType::I64:
  case DType::U8:
  case DType::U16:
  case DType::U32:
  case DType::Bool:
    return static_cast<double>(getInt(i));
  }
  return 0;
}

// Float to integer: truncation toward zero; NaN gives 0 and out-of-range
// values saturate to the dtype's range (C++ leaves them undefined, so pin
// one answer; the lowering's casts give the same).
static int64_t truncToInt64(double v) {
  if (std::isnan(v))
    return 0;
  if (v >= 9.2233720368547758e18)
    return std::numeric_limits<int64_t>::max();
  if (v <= -9.2233720368547758e18)
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(std::trunc(v));
}

// The range of an integer dtype as doubles (exact: powers of two minus one
// round to the power of two for 64 bits, which the comparisons then use).
static void intRange(DType dtype, double &lo, double &hi) {
  unsigned bits = static_cast<unsigned>(dtypeSize(dtype)) * 8;
  if (isUnsigned(dtype)) {
    lo = 0;
    hi = std::ldexp(1.0, bits) - 1;
  } else {
    lo = -std::ldexp(1.0, bits - 1);
    hi = std::ldexp(1.0, bits - 1) - 1;
  }
}

void Tensor::setDouble(int64_t i, double v) {
  switch (dtype_) {
  case DType::F32:
    storeAs<float>(data_, i, static_cast<float>(v));
    return;
  case DType::F64:
    storeAs<double>(data_, i, v);
    return;
  case DType::F16:
    storeAs<uint16_t>(data_, i, doubleToHalf(v));
    return;
  case DType::BF16:
    storeAs<uint16_t>(data_, i, doubleToBF16(v));
    return;
  case DType::I64:
    storeAs<int64_t>(data_, i, truncToInt64(v));
    return;
  case DType::U64: {
    double t = std::isnan(v) ? 0 : std::trunc(v);
    uint64_t u = t <= 0                         ? 0
                 : t >= 18446744073709551616.0 ? ~uint64_t(0)
                                               : static_cast<uint64_t>(t);
    storeAs<uint64_t>(data_, i, u);
    return;
  }
  case DType::I8:
  case DType::I16:
  case DType::I32:
  case DType::U8:
  case DType::U16:
  case DType::U32: {
    double lo, hi, t = std::isnan(v) ? 0 : std::trunc(v);
    intRange(dtype_, lo, hi);
    setInt(i, static_cast<int64_t>(t < lo ? lo : t > hi ? hi : t));
    return;
  }
  case DType::Bool:
    data_[i] = v != 0 ? 1 : 0;
    return;
  }
}

int64_t Tensor::getInt(int64_t i) const {
  switch (dtype_) {
  case DType::I8:
    return loadAs<int8_t>(data_, i);
  case DType::I16:
    return loadAs<int16_t>(data_, i);
  case DType::I32:
    return loadAs<int32_t>(data_, i);
  case DType::I64:
    return loadAs<int64_t>(data_, i);
  case DType::U8:
    return loadAs<uint8_t>(data_, i);
  case DType::U16:
    return loadAs<uint16_t>(data_, i);
  case DType::U32:
    return loadAs<uint32_t>(data_, i);
  case DType::U64:
    return static_cast<int64_t>(loadAs<uint64_t>(data_, i));
  case DType::Bool:
    return data_[i] ? 1 : 0;
  default:
    return truncToInt64(getDouble(i));
  }
}

void Tensor::setInt(int64_t i, int64_t v) {
  // Integers wrap: keep the low bytes (little-endian, two's complement).
  uint64_t bits = static_cast<uint64_t>(v);
  switch (dtype_) {
  case DType::I8:
  case DType::U8:
    storeAs<uint8_t>(data_, i, static_cast<uint8_t>(bits));
    return;
  case DType::I16:
  case DType::U16:
    storeAs<uint16_t>(data_, i, static_cast<uint16_t>(bits));
    return;
  case DType::I32:
  case DType::U32:
    storeAs<uint32_t>(data_, i, static_cast<uint32_t>(bits));
    return;
  case DType::I64:
  case DType::U64:
    storeAs<uint64_t>(data_, i, bits);
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
