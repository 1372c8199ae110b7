// Runs nnc-lower-to-linalg output on the host through the upstream CPU
// pipeline and pins the numbers docs/ops.md defines: argmax ties and NaN,
// keepdims, mean, Python slice bounds, broadcast matmul, gelu, saturating
// float -> int cast, reshape + transpose, NaN-propagating max, truncating
// integer division. Inputs go through `?` dims.
// RUN: nnc-opt %s --nnc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries" \
// RUN:   --buffer-deallocation-pipeline --convert-linalg-to-loops --convert-bufferization-to-memref \
// RUN:   --expand-strided-metadata --lower-affine --convert-scf-to-cf --convert-math-to-libm \
// RUN:   --convert-math-to-llvm --finalize-memref-to-llvm --convert-arith-to-llvm \
// RUN:   --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefI64(tensor<*xi64>)
func.func private @printMemrefI32(tensor<*xi32>)

func.func @main() {
  %x0 = nn.constant dense<[[1.0, 5.0, 5.0, 2.0], [0x7FC00000, 3.0, 0x7FC00000, 1.0], [-1.0, -2.0, -3.0, -1.0]]> : tensor<3x4xf32>
  %x = tensor.cast %x0 : tensor<3x4xf32> to tensor<?x4xf32>
  %am = nn.argmax %x {axis = 1 : i64, keepdims = false} : tensor<?x4xf32> -> tensor<?xi64>
  %amu = tensor.cast %am : tensor<?xi64> to tensor<*xi64>
  call @printMemrefI64(%amu) : (tensor<*xi64>) -> ()
  // First maximum; the first NaN is the maximum.
  // CHECK: [1, 0, 0]
  %y0 = nn.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]> : tensor<3x4xf32>
  %y = tensor.cast %y0 : tensor<3x4xf32> to tensor<?x4xf32>
  %s = nn.sum %y {axes = array<i64: 0>, keepdims = true} : tensor<?x4xf32> -> tensor<1x4xf32>
  %su = tensor.cast %s : tensor<1x4xf32> to tensor<*xf32>
  call @printMemrefF32(%su) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}[15, 18, 21, 24]]
  %m = nn.mean %y {axes = array<i64>, keepdims = false} : tensor<?x4xf32> -> tensor<f32>
  %mu = tensor.cast %m : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%mu) : (tensor<*xf32>) -> ()
  // CHECK: [6.5]
  %sl = nn.slice %y {axis = 1 : i64, end = 9223372036854775807 : i64, start = -3 : i64, step = 2 : i64} : tensor<?x4xf32> -> tensor<?x2xf32>
  %slu = tensor.cast %sl : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%slu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}[2, 4],
  // CHECK-NEXT: [6, 8],
  // CHECK-NEXT: [10, 12]]
  %sl2 = nn.slice %y {axis = 0 : i64, end = -1 : i64, start = -100 : i64, step = 1 : i64} : tensor<?x4xf32> -> tensor<?x4xf32>
  %sl2u = tensor.cast %sl2 : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%sl2u) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}[1, 2, 3, 4],
  // CHECK-NEXT: [5, 6, 7, 8]]
  %b = nn.constant dense<[[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0]]]> : tensor<1x4x2xf32>
  %mm = nn.matmul %y, %b : tensor<?x4xf32>, tensor<1x4x2xf32> -> tensor<1x?x2xf32>
  %mmu = tensor.cast %mm : tensor<1x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%mmu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}{{\[}}[12, 5],
  // CHECK-NEXT: [28, 13],
  // CHECK-NEXT: [44, 21]]]
  %bx0 = nn.constant dense<[[[1.0, 2.0]], [[3.0, 4.0]]]> : tensor<2x1x2xf32>
  %bx = tensor.cast %bx0 : tensor<2x1x2xf32> to tensor<?x1x2xf32>
  %bw = nn.constant dense<[[[1.0], [1.0]], [[2.0], [-1.0]]]> : tensor<2x2x1xf32>
  %bmm = nn.matmul %bx, %bw : tensor<?x1x2xf32>, tensor<2x2x1xf32> -> tensor<?x1x1xf32>
  %bmmu = tensor.cast %bmm : tensor<?x1x1xf32> to tensor<*xf32>
  call @printMemrefF32(%bmmu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}{{\[}}[3]],
  // CHECK-NEXT: {{\[}}[2]]]
  %g = nn.gelu %x {approximate = "none"} : tensor<?x4xf32> -> tensor<?x4xf32>
  %gu = tensor.cast %g : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%gu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}[0.841345, 5, 5, 1.9545],
  // CHECK-NEXT: [nan, 2.99595, nan, 0.841345],
  // CHECK-NEXT: [-0.158655, -0.0455003, -0.00404969, -0.158655]]
  %big = nn.constant dense<[3.0e9, -3.0e9, -2.7, 0x7FC00000]> : tensor<4xf32>
  %ci = nn.cast %big : tensor<4xf32> -> tensor<4xi32>
  %ciu = tensor.cast %ci : tensor<4xi32> to tensor<*xi32>
  call @printMemrefI32(%ciu) : (tensor<*xi32>) -> ()
  // CHECK: [2147483647, -2147483648, -2, 0]
  %r = nn.reshape %y {shape = array<i64: 2, -1>} : tensor<?x4xf32> -> tensor<2x?xf32>
  %t = nn.transpose %r {perm = array<i64: 1, 0>} : tensor<2x?xf32> -> tensor<?x2xf32>
  %tu = tensor.cast %t : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%tu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}[1, 7],
  // CHECK-NEXT: [2, 8],
  // CHECK-NEXT: [3, 9],
  // CHECK-NEXT: [4, 10],
  // CHECK-NEXT: [5, 11],
  // CHECK-NEXT: [6, 12]]
  %c = nn.concat %y, %x {axis = 0 : i64} : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  %mx = nn.max %c {axes = array<i64: 0>, keepdims = false} : tensor<?x4xf32> -> tensor<4xf32>
  %mxu = tensor.cast %mx : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%mxu) : (tensor<*xf32>) -> ()
  // CHECK: [nan, 10, nan, 12]
  %dv = nn.constant dense<[7, -7, 7, -7]> : tensor<4xi32>
  %dd = nn.constant dense<[2, 2, -2, -2]> : tensor<4xi32>
  %q = nn.div %dv, %dd : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  %qu = tensor.cast %q : tensor<4xi32> to tensor<*xi32>
  call @printMemrefI32(%qu) : (tensor<*xi32>) -> ()
  // CHECK: [3, -3, -3, 3]
  return
}
