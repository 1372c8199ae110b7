// Every nn fold and canonicalization pattern, one function each.
// RUN: nnc-opt %s -nn-canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @add_zero
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @add_zero(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %z = nn.constant dense<0.0> : tensor<4xf32>
  %0 = nn.add %x, %z : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %1 = nn.add %z, %0 : tensor<4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// -----

// Adding a zero that broadcasts the operand changes its shape: kept.
// CHECK-LABEL: func.func @add_zero_broadcasting
// CHECK: nn.add
func.func @add_zero_broadcasting(%x: tensor<4xf32>) -> tensor<3x4xf32> {
  %z = nn.constant dense<0.0> : tensor<3x4xf32>
  %0 = nn.add %x, %z : tensor<4xf32>, tensor<3x4xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @sub_zero
// CHECK-SAME: (%[[X:.*]]: tensor<3xi32>)
// CHECK-NEXT: return %[[X]]
func.func @sub_zero(%x: tensor<3xi32>) -> tensor<3xi32> {
  %z = nn.constant dense<0> : tensor<i32>
  %0 = nn.sub %x, %z : tensor<3xi32>, tensor<i32> -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

// CHECK-LABEL: func.func @mul_one
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf16>)
// CHECK-NEXT: return %[[X]]
func.func @mul_one(%x: tensor<?x4xf16>) -> tensor<?x4xf16> {
  %one = nn.constant dense<1.0> : tensor<f16>
  %0 = nn.mul %x, %one : tensor<?x4xf16>, tensor<f16> -> tensor<?x4xf16>
  %1 = nn.mul %one, %0 : tensor<f16>, tensor<?x4xf16> -> tensor<?x4xf16>
  return %1 : tensor<?x4xf16>
}

// -----

// CHECK-LABEL: func.func @div_one
// CHECK-SAME: (%[[X:.*]]: tensor<5xf32>)
// CHECK-NEXT: return %[[X]]
func.func @div_one(%x: tensor<5xf32>) -> tensor<5xf32> {
  %one = nn.constant dense<1.0> : tensor<5xf32>
  %0 = nn.div %x, %one : tensor<5xf32>, tensor<5xf32> -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// CHECK-LABEL: func.func @neg_neg
// CHECK-SAME: (%[[X:.*]]: tensor<5xf32>)
// CHECK-NEXT: return %[[X]]
func.func @neg_neg(%x: tensor<5xf32>) -> tensor<5xf32> {
  %0 = nn.neg %x : tensor<5xf32> -> tensor<5xf32>
  %1 = nn.neg %0 : tensor<5xf32> -> tensor<5xf32>
  return %1 : tensor<5xf32>
}

// -----

// Splat constants fold through elementwise ops, broadcasting included.
// CHECK-LABEL: func.func @splat_arith
// CHECK-DAG: %[[F:.*]] = nn.constant dense<-4.500000e+00> : tensor<2x3xf32>
// CHECK-DAG: %[[I:.*]] = nn.constant dense<-6> : tensor<4xi32>
// CHECK-NOT: nn.add
// CHECK-NOT: nn.mul
// CHECK: return %[[F]], %[[I]]
func.func @splat_arith() -> (tensor<2x3xf32>, tensor<4xi32>) {
  %a = nn.constant dense<1.5> : tensor<3xf32>
  %b = nn.constant dense<3.0> : tensor<2x1xf32>
  %0 = nn.mul %a, %b : tensor<3xf32>, tensor<2x1xf32> -> tensor<2x3xf32>
  %1 = nn.neg %0 : tensor<2x3xf32> -> tensor<2x3xf32>
  %i = nn.constant dense<7> : tensor<4xi32>
  %j = nn.constant dense<2> : tensor<i32>
  %2 = nn.div %i, %j : tensor<4xi32>, tensor<i32> -> tensor<4xi32>
  %3 = nn.sub %j, %2 : tensor<i32>, tensor<4xi32> -> tensor<4xi32>
  %4 = nn.add %3, %j : tensor<4xi32>, tensor<i32> -> tensor<4xi32>
  %5 = nn.sub %4, %i : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  %6 = nn.add %5, %j : tensor<4xi32>, tensor<i32> -> tensor<4xi32>
  %7 = nn.sub %6, %j : tensor<4xi32>, tensor<i32> -> tensor<4xi32>
  return %1, %7 : tensor<2x3xf32>, tensor<4xi32>
}

// -----

// Integer division by zero is left for run time.
// CHECK-LABEL: func.func @div_by_zero
// CHECK: nn.div
func.func @div_by_zero() -> tensor<4xi32> {
  %i = nn.constant dense<7> : tensor<4xi32>
  %z = nn.constant dense<0> : tensor<4xi32>
  %0 = nn.div %i, %z : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @transpose_compose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.*]] = nn.transpose %[[X]] {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_compose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = nn.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %1 = nn.transpose %0 {perm = array<i64: 2, 1, 0>} : tensor<3x2x4xf32> -> tensor<4x2x3xf32>
  return %1 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_inverse
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_inverse(%x: tensor<?x3x4xf32>) -> tensor<?x3x4xf32> {
  %0 = nn.transpose %x {perm = array<i64: 1, 2, 0>} : tensor<?x3x4xf32> -> tensor<3x4x?xf32>
  %1 = nn.transpose %0 {perm = array<i64: 2, 0, 1>} : tensor<3x4x?xf32> -> tensor<?x3x4xf32>
  return %1 : tensor<?x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_compose
// CHECK-SAME: (%[[X:.*]]: tensor<?x28x28xf32>)
// CHECK-NEXT: %[[R:.*]] = nn.reshape %[[X]] {shape = array<i64: -1, 784>} : tensor<?x28x28xf32> -> tensor<?x784xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_compose(%x: tensor<?x28x28xf32>) -> tensor<?x784xf32> {
  %0 = nn.reshape %x {shape = array<i64: -1, 28, 14, 2>} : tensor<?x28x28xf32> -> tensor<?x28x14x2xf32>
  %1 = nn.reshape %0 {shape = array<i64: -1, 784>} : tensor<?x28x14x2xf32> -> tensor<?x784xf32>
  return %1 : tensor<?x784xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_same_type(%x: tensor<?x784xf32>) -> tensor<?x784xf32> {
  %0 = nn.reshape %x {shape = array<i64: -1, 784>} : tensor<?x784xf32> -> tensor<?x784xf32>
  return %0 : tensor<?x784xf32>
}

// -----

// With two dynamic dims, equal types do not prove a no-op reshape: kept.
// CHECK-LABEL: func.func @reshape_two_dynamic
// CHECK: nn.reshape
func.func @reshape_two_dynamic(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = nn.reshape %x {shape = array<i64: -1, 6>} : tensor<?x?xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// CHECK-LABEL: func.func @splat_reshape_transpose
// CHECK-NEXT: %[[C:.*]] = nn.constant dense<2.000000e+00> : tensor<3x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @splat_reshape_transpose() -> tensor<3x2xf32> {
  %c = nn.constant dense<2.0> : tensor<6xf32>
  %0 = nn.reshape %c {shape = array<i64: 2, 3>} : tensor<6xf32> -> tensor<2x3xf32>
  %1 = nn.transpose %0 {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_scalar_constant
// CHECK-NEXT: %[[C:.*]] = nn.constant dense<1.000000e+00> : tensor<4x8xf32>
// CHECK-NEXT: return %[[C]]
func.func @broadcast_scalar_constant() -> tensor<4x8xf32> {
  %c = nn.constant dense<1.0> : tensor<f32>
  %0 = nn.broadcast_to %c {shape = array<i64: 4, 8>} : tensor<f32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @broadcast_same_type(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = nn.broadcast_to %x {shape = array<i64: -1, 4>} : tensor<?x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func.func @cast_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<3xi64>)
// CHECK-NEXT: return %[[X]]
func.func @cast_same_type(%x: tensor<3xi64>) -> tensor<3xi64> {
  %0 = nn.cast %x : tensor<3xi64> -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @slice_full
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
// CHECK-NEXT: return %[[X]], %[[X]]
func.func @slice_full(%x: tensor<?x10xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>) {
  %0 = nn.slice %x {axis = 0 : i64, end = 9223372036854775807 : i64, start = 0 : i64, step = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
  %1 = nn.slice %x {axis = 1 : i64, end = 10 : i64, start = -10 : i64, step = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
  return %0, %1 : tensor<?x10xf32>, tensor<?x10xf32>
}

// -----

// CHECK-LABEL: func.func @slice_partial
// CHECK: nn.slice
func.func @slice_partial(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = nn.slice %x {axis = 0 : i64, end = 9223372036854775807 : i64, start = 1 : i64, step = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// -----

// CHECK-LABEL: func.func @concat_one
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
// CHECK-NEXT: return %[[X]]
func.func @concat_one(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = nn.concat %x {axis = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// -----

// Dead ops go, including chains and unused constants.
// CHECK-LABEL: func.func @dead_code
// CHECK-NEXT: return %arg0
func.func @dead_code(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %c = nn.constant dense<3.0> : tensor<f32>
  %0 = nn.exp %x : tensor<?x10xf32> -> tensor<?x10xf32>
  %1 = nn.mul %0, %c : tensor<?x10xf32>, tensor<f32> -> tensor<?x10xf32>
  %2 = nn.sum %1 {axes = array<i64>, keepdims = false} : tensor<?x10xf32> -> tensor<f32>
  return %x : tensor<?x10xf32>
}
