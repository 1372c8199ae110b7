// nnc-lower-to-linalg on elementwise ops: one broadcasting linalg.generic
// each, with the scalar body of docs/ops.md; the result bufferizes.
// RUN: nnc-opt %s --nnc-lower-to-linalg | FileCheck %s
// RUN: nnc-opt %s --nnc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --convert-linalg-to-loops | FileCheck %s --check-prefix=LOOPS

// LOOPS-LABEL: func.func @add_bias
// LOOPS: scf.for
// LOOPS: memref.load
// LOOPS: arith.addf
// LOOPS: memref.store

// A dim of 1 reads index 0; the `?` batch dim sizes the result.
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-DAG: #[[LEAD1:.*]] = affine_map<(d0, d1, d2) -> (0, d1, d2)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>

// CHECK-LABEL: func.func @add_bias
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[D0:.*]] = tensor.dim %[[X]], %[[C0]] : tensor<?x4xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D0]]) : tensor<?x4xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ROW]], #[[ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[B]] : tensor<?x4xf32>, tensor<4xf32>) outs(%[[E]] : tensor<?x4xf32>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[C:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[S:.*]] = arith.addf %[[A]], %[[C]] : f32
// CHECK: linalg.yield %[[S]] : f32
// CHECK: return %[[R]]
func.func @add_bias(%x: tensor<?x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = nn.add %x, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// Both operands broadcast; the result is as static as the broadcast allows
// and cast back to the declared type.
// CHECK-LABEL: func.func @mul_both_broadcast
// CHECK-SAME: (%[[X:.*]]: tensor<?x1xf32>, %[[Y:.*]]: tensor<1x?x4xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x1xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<1x?x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[LEAD1]], #{{.*}}]
// CHECK: arith.mulf
// CHECK: tensor.cast %{{.*}} : tensor<1x?x4xf32> to tensor<?x?x4xf32>
func.func @mul_both_broadcast(%x: tensor<?x1xf32>, %y: tensor<1x?x4xf32>) -> tensor<?x?x4xf32> {
  %0 = nn.mul %x, %y : tensor<?x1xf32>, tensor<1x?x4xf32> -> tensor<?x?x4xf32>
  return %0 : tensor<?x?x4xf32>
}

// CHECK-LABEL: func.func @sub_scalar
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[SCALAR]], #[[ID2]]]
// CHECK: arith.subi %{{.*}}, %{{.*}} : i32
func.func @sub_scalar(%x: tensor<?x3xi32>, %y: tensor<i32>) -> tensor<?x3xi32> {
  %0 = nn.sub %x, %y : tensor<?x3xi32>, tensor<i32> -> tensor<?x3xi32>
  return %0 : tensor<?x3xi32>
}

// CHECK-LABEL: func.func @div_float
// CHECK: arith.divf
func.func @div_float(%x: tensor<?x3xf32>, %y: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %0 = nn.div %x, %y : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// Integer division truncates toward zero.
// CHECK-LABEL: func.func @div_int
// CHECK: arith.divsi %{{.*}}, %{{.*}} : i64
func.func @div_int(%x: tensor<?xi64>, %y: tensor<?xi64>) -> tensor<?xi64> {
  %0 = nn.div %x, %y : tensor<?xi64>, tensor<?xi64> -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// CHECK-LABEL: func.func @maximum_minimum
// CHECK: arith.maximumf
// CHECK: arith.minsi
func.func @maximum_minimum(%x: tensor<?xf32>, %y: tensor<f32>, %i: tensor<?xi32>, %j: tensor<?xi32>) -> (tensor<?xf32>, tensor<?xi32>) {
  %0 = nn.maximum %x, %y : tensor<?xf32>, tensor<f32> -> tensor<?xf32>
  %1 = nn.minimum %i, %j : tensor<?xi32>, tensor<?xi32> -> tensor<?xi32>
  return %0, %1 : tensor<?xf32>, tensor<?xi32>
}

// CHECK-LABEL: func.func @pow
// CHECK: math.powf %{{.*}}, %{{.*}} : f16
func.func @pow(%x: tensor<?x8xf16>, %y: tensor<f16>) -> tensor<?x8xf16> {
  %0 = nn.pow %x, %y : tensor<?x8xf16>, tensor<f16> -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}

// `ne` is unordered (NaN != NaN), the others ordered; bool compares unsigned.
// CHECK-LABEL: func.func @compare
// CHECK: arith.cmpf une
// CHECK: arith.cmpf olt
// CHECK: arith.cmpi sge, %{{.*}}, %{{.*}} : i32
// CHECK: arith.cmpi ult, %{{.*}}, %{{.*}} : i1
func.func @compare(%x: tensor<?x4xf32>, %y: tensor<4xf32>, %i: tensor<?xi32>, %b: tensor<?xi1>) -> (tensor<?x4xi1>, tensor<?x4xi1>, tensor<?xi1>, tensor<?xi1>) {
  %0 = nn.compare "ne", %x, %y : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xi1>
  %1 = nn.compare "lt", %x, %y : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xi1>
  %2 = nn.compare "ge", %i, %i : tensor<?xi32>, tensor<?xi32> -> tensor<?xi1>
  %3 = nn.compare "lt", %b, %b : tensor<?xi1>, tensor<?xi1> -> tensor<?xi1>
  return %0, %1, %2, %3 : tensor<?x4xi1>, tensor<?x4xi1>, tensor<?xi1>, tensor<?xi1>
}

// CHECK-LABEL: func.func @where
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[ROW]], #[[SCALAR]], #[[ID2]]]
// CHECK: ^bb0(%[[C:.*]]: i1, %[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK: arith.select %[[C]], %[[A]], %[[B]] : f32
func.func @where(%c: tensor<?x4xi1>, %x: tensor<4xf32>, %y: tensor<f32>) -> tensor<?x4xf32> {
  %0 = nn.where %c, %x, %y : tensor<?x4xi1>, tensor<4xf32>, tensor<f32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// CHECK-LABEL: func.func @neg_abs
// CHECK: arith.negf
// CHECK: math.absf
// CHECK: %[[Z:.*]] = arith.constant 0 : i32
// CHECK: arith.subi %[[Z]], %{{.*}} : i32
// CHECK: math.absi
func.func @neg_abs(%x: tensor<?xf32>, %i: tensor<?xi32>) -> (tensor<?xf32>, tensor<?xf32>, tensor<?xi32>, tensor<?xi32>) {
  %0 = nn.neg %x : tensor<?xf32> -> tensor<?xf32>
  %1 = nn.abs %x : tensor<?xf32> -> tensor<?xf32>
  %2 = nn.neg %i : tensor<?xi32> -> tensor<?xi32>
  %3 = nn.abs %i : tensor<?xi32> -> tensor<?xi32>
  return %0, %1, %2, %3 : tensor<?xf32>, tensor<?xf32>, tensor<?xi32>, tensor<?xi32>
}

// CHECK-LABEL: func.func @math_unary
// CHECK: math.exp
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.rsqrt
// CHECK: math.tanh
func.func @math_unary(%x: tensor<?x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>) {
  %0 = nn.exp %x : tensor<?x2xf32> -> tensor<?x2xf32>
  %1 = nn.log %x : tensor<?x2xf32> -> tensor<?x2xf32>
  %2 = nn.sqrt %x : tensor<?x2xf32> -> tensor<?x2xf32>
  %3 = nn.rsqrt %x : tensor<?x2xf32> -> tensor<?x2xf32>
  %4 = nn.tanh %x : tensor<?x2xf32> -> tensor<?x2xf32>
  return %0, %1, %2, %3, %4 : tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>
}

// sigmoid(x) = 1 / (1 + exp(-x))
// CHECK-LABEL: func.func @sigmoid
// CHECK: ^bb0(%[[A:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[N:.*]] = arith.negf %[[A]]
// CHECK: %[[E:.*]] = math.exp %[[N]]
// CHECK: %[[D:.*]] = arith.addf %[[ONE]], %[[E]]
// CHECK: %[[S:.*]] = arith.divf %[[ONE]], %[[D]]
// CHECK: linalg.yield %[[S]]
func.func @sigmoid(%x: tensor<?xf32>) -> tensor<?xf32> {
  %0 = nn.sigmoid %x : tensor<?xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// relu keeps NaN (maximumf); silu = x * sigmoid(x).
// CHECK-LABEL: func.func @relu_silu
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.maximumf %{{.*}}, %[[Z]] : f32
// CHECK: ^bb0(%[[A:.*]]: f32, %{{.*}}: f32):
// CHECK: math.exp
// CHECK: %[[S:.*]] = arith.divf
// CHECK: arith.mulf %[[A]], %[[S]]
func.func @relu_silu(%x: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %0 = nn.relu %x : tensor<?xf32> -> tensor<?xf32>
  %1 = nn.silu %x : tensor<?xf32> -> tensor<?xf32>
  return %0, %1 : tensor<?xf32>, tensor<?xf32>
}

// gelu none: 0.5 x (1 + erf(x / sqrt 2)); tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
// CHECK-LABEL: func.func @gelu
// CHECK: ^bb0(%[[A:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[R2:.*]] = arith.constant 0.7071067{{[0-9]*}} : f32
// CHECK: %[[M:.*]] = arith.mulf %[[A]], %[[R2]]
// CHECK: %[[ERF:.*]] = math.erf %[[M]]
// CHECK: %[[HALF:.*]] = arith.constant 5.000000e-01
// CHECK: %[[H:.*]] = arith.mulf %[[HALF]], %[[A]]
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00
// CHECK: %[[P:.*]] = arith.addf %[[ONE]], %[[ERF]]
// CHECK: arith.mulf %[[H]], %[[P]]
// CHECK: arith.constant 4.471500e-02
// CHECK: arith.constant 0.797884
// CHECK: math.tanh
func.func @gelu(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %0 = nn.gelu %x {approximate = "none"} : tensor<?x8xf32> -> tensor<?x8xf32>
  %1 = nn.gelu %x {approximate = "tanh"} : tensor<?x8xf32> -> tensor<?x8xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<?x8xf32>
}

// float -> int truncates and saturates (NaN gives 0); to bool is != 0;
// from bool is 0/1; f16 <-> bf16 goes through f32.
// CHECK-LABEL: func.func @cast
// CHECK: ^bb0(%[[F:.*]]: f32, %{{.*}}: i32):
// CHECK: %[[T:.*]] = arith.fptosi %[[F]] : f32 to i32
// CHECK: %[[HI:.*]] = arith.cmpf oge, %[[F]], %{{.*}} : f32
// CHECK: %[[LO:.*]] = arith.cmpf ole, %[[F]], %{{.*}} : f32
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[F]], %[[F]] : f32
// CHECK: %[[MAX:.*]] = arith.constant 2147483647 : i32
// CHECK: %[[S1:.*]] = arith.select %[[HI]], %[[MAX]], %[[T]]
// CHECK: %[[MIN:.*]] = arith.constant -2147483648 : i32
// CHECK: %[[S2:.*]] = arith.select %[[LO]], %[[MIN]], %[[S1]]
// CHECK: %[[S3:.*]] = arith.select %[[NAN]], %{{.*}}, %[[S2]]
// CHECK: linalg.yield %[[S3]] : i32
// CHECK: arith.cmpi ne, %{{.*}}, %{{.*}} : i32
// CHECK: arith.uitofp %{{.*}} : i1 to bf16
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.sitofp %{{.*}} : i32 to f32
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK: arith.cmpf une
func.func @cast(%x: tensor<?x4xf32>) -> (tensor<?x4xi32>, tensor<?x4xi1>, tensor<?x4xbf16>, tensor<?x4xf16>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xi64>, tensor<?x4xi1>) {
  %0 = nn.cast %x : tensor<?x4xf32> -> tensor<?x4xi32>
  %1 = nn.cast %0 : tensor<?x4xi32> -> tensor<?x4xi1>
  %2 = nn.cast %1 : tensor<?x4xi1> -> tensor<?x4xbf16>
  %3 = nn.cast %2 : tensor<?x4xbf16> -> tensor<?x4xf16>
  %4 = nn.cast %3 : tensor<?x4xf16> -> tensor<?x4xf32>
  %5 = nn.cast %0 : tensor<?x4xi32> -> tensor<?x4xf32>
  %6 = nn.cast %0 : tensor<?x4xi32> -> tensor<?x4xi64>
  %7 = nn.cast %x : tensor<?x4xf32> -> tensor<?x4xi1>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<?x4xi32>, tensor<?x4xi1>, tensor<?x4xbf16>, tensor<?x4xf16>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xi64>, tensor<?x4xi1>
}

// CHECK-LABEL: func.func @constant
// CHECK: %[[C:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: return %[[C]]
func.func @constant() -> tensor<2xf32> {
  %0 = nn.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}
