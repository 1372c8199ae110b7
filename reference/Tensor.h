// Tensor: a dtype, a shape and contiguous row-major little-endian bytes.
#ifndef NNC_REFERENCE_TENSOR_H
#define NNC_REFERENCE_TENSOR_H

#include <cstdint>
#include <string>
#include <vector>

namespace nnc::ref {

// In the order of nnrt_dtype_t (runtime.h), which appends and never
// renumbers; names and sizes are in Tensor.cpp.
enum class DType { F32, F16, BF16, I32, I64, Bool, F64, I8, I16, U8, U16, U32, U64 };

const char *dtypeName(DType dtype);
/// Parses `f64 f32 f16 bf16 i8 i16 i32 i64 u8 u16 u32 u64 bool` (and `i1`
/// as bool).
bool parseDType(const std::string &text, DType &dtype);
size_t dtypeSize(DType dtype);
bool isFloat(DType dtype);
/// Signed or unsigned integers (not bool).
bool isInt(DType dtype);
bool isUnsigned(DType dtype);

/// An int64 whose signed order is the order of the integer `v` of `dtype`:
/// `v` itself, except u64 (from getInt), whose sign bit flips. Applying it
/// twice gives `v` back.
inline int64_t orderKey(DType dtype, int64_t v) {
  return dtype == DType::U64 ? static_cast<int64_t>(static_cast<uint64_t>(v) ^
                                                    (uint64_t(1) << 63))
                             : v;
}

/// IEEE binary16 and bfloat16 conversions; rounding is to nearest, ties to even.
uint16_t doubleToHalf(double value);
double halfToDouble(uint16_t bits);
uint16_t doubleToBF16(double value);
double bf16ToDouble(uint16_t bits);
/// Rounds `value` to the nearest value representable in the float `dtype`.
double roundToDType(double value, DType dtype);

using Shape = std::vector<int64_t>;
int64_t numElements(const Shape &shape);
std::string shapeString(const Shape &shape); // "[2,3]"

class Tensor {
public:
  Tensor() = default;
  Tensor(DType dtype, Shape shape);

  DType dtype() const { return dtype_; }
  const Shape &shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numel() const { return numElements(shape_); }
  std::vector<uint8_t> &bytes() { return data_; }
  const std::vector<uint8_t> &bytes() const { return data_; }
  /// "f32[4,10]".
  std::string typeString() const;

  /// Element `i` as a double (floats exactly; ints converted; bool 0/1).
  double getDouble(int64_t i) const;
  /// Stores `v` rounded to the dtype (floats: nearest even; ints: truncation
  /// toward zero with wrap-around; bool: v != 0).
  void setDouble(int64_t i, double v);
  /// Element `i` as an integer (floats truncate toward zero). u64 values
  /// past INT64_MAX come back as their two's-complement bits.
  int64_t getInt(int64_t i) const;
  /// Stores `v` wrapped to the dtype (i32 keeps the low 32 bits).
  void setInt(int64_t i, int64_t v);

  /// Reinterprets the same elements with another shape (same element count).
  void reshapeInPlace(Shape shape) { shape_ = std::move(shape); }

private:
  DType dtype_ = DType::F32;
  Shape shape_;
  std::vector<uint8_t> data_;
};

} // namespace nnc::ref

#endif // NNC_REFERENCE_TENSOR_H
