// Runs the conv, pool and gather lowerings on the host through the upstream
// CPU pipeline. The expected numbers were computed independently with
// PyTorch 1.13 (/usr/bin/python3): F.conv2d(x, w, b, padding=1),
// F.max_pool2d(c, 2), F.avg_pool2d(c, 3, stride=2, padding=1,
// count_include_pad=True), c.mean(dim=(2, 3)) and F.conv2d(xg, wg, stride=2,
// groups=2), with x = [1..16] as 4x4 and its negation as batch 1, xg = [x, 2x]
// on channels; printed with 6 significant digits as printMemrefF32 does. The
// gather case is NumPy take with a negative index, plus an out-of-range one
// that the lowering clamps. Inputs go through `?` batch dims.
// RUN: nnc-opt %s --nnc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries" \
// RUN:   --buffer-deallocation-pipeline --convert-linalg-to-loops --convert-bufferization-to-memref \
// RUN:   --expand-strided-metadata --lower-affine --convert-scf-to-cf --convert-math-to-libm \
// RUN:   --convert-math-to-llvm --finalize-memref-to-llvm --convert-arith-to-llvm \
// RUN:   --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x0 = nn.constant dense<[[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0]]], [[[-1.0, -2.0, -3.0, -4.0], [-5.0, -6.0, -7.0, -8.0], [-9.0, -10.0, -11.0, -12.0], [-13.0, -14.0, -15.0, -16.0]]]]> : tensor<2x1x4x4xf32>
  %x = tensor.cast %x0 : tensor<2x1x4x4xf32> to tensor<?x1x4x4xf32>
  %w = nn.constant dense<[[[[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]], [[[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]]]]> : tensor<2x1x3x3xf32>
  %b = nn.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %c = nn.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<?x1x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32> -> tensor<?x2x4x4xf32>
  %mp = nn.max_pool2d %c {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x2x4x4xf32> -> tensor<?x2x2x2xf32>
  %mpu = tensor.cast %mp : tensor<?x2x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%mpu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}{{\[}}{{\[}}[-5.5, 28.5],
  // CHECK-NEXT: [-5.5, 44.5]],
  // CHECK-NEXT: {{\[}}[29, 34],
  // CHECK-NEXT: [51, 55]]],
  // CHECK-NEXT: {{\[}}{{\[}}[24.5, 8.5],
  // CHECK-NEXT: [40.5, 8.5]],
  // CHECK-NEXT: {{\[}}[-9, -16],
  // CHECK-NEXT: [-37, -44]]]]
  %ap = nn.avg_pool2d %c {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x2x4x4xf32> -> tensor<?x2x2x2xf32>
  %apu = tensor.cast %ap : tensor<?x2x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%apu) : (tensor<*xf32>) -> ()
  // Padded cells count: the corner windows divide by 9, not 4.
  // CHECK: {{\[}}{{\[}}{{\[}}[-5.11111, 1.77778],
  // CHECK-NEXT: [-13.4444, 8.16667]],
  // CHECK-NEXT: {{\[}}[7.44444, 14.7778],
  // CHECK-NEXT: [24.4444, 43.3333]]],
  // CHECK-NEXT: {{\[}}{{\[}}[5.55556, -1.11111],
  // CHECK-NEXT: [14.1111, -7.16667]],
  // CHECK-NEXT: {{\[}}[-8.33333, -16.1111],
  // CHECK-NEXT: [-25.7778, -45.3333]]]]
  %gp = nn.global_avg_pool %c : tensor<?x2x4x4xf32> -> tensor<?x2xf32>
  %gpu = tensor.cast %gp : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%gpu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}[-2.125, 33],
  // CHECK-NEXT: [3.125, -35]]
  %xg0 = nn.constant dense<[[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0]], [[2.0, 4.0, 6.0, 8.0], [10.0, 12.0, 14.0, 16.0], [18.0, 20.0, 22.0, 24.0], [26.0, 28.0, 30.0, 32.0]]]]> : tensor<1x2x4x4xf32>
  %xg = tensor.cast %xg0 : tensor<1x2x4x4xf32> to tensor<?x2x4x4xf32>
  %wg = nn.constant dense<[[[[1.0, 1.0], [1.0, 1.0]]], [[[1.0, -1.0], [0.0, 2.0]]]]> : tensor<2x1x2x2xf32>
  %cg = nn.conv2d %xg, %wg {dilation = array<i64: 1, 1>, groups = 2 : i64, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x2x4x4xf32>, tensor<2x1x2x2xf32> -> tensor<?x2x2x2xf32>
  %cgu = tensor.cast %cg : tensor<?x2x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%cgu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}{{\[}}{{\[}}[14, 22],
  // CHECK-NEXT: [46, 54]],
  // CHECK-NEXT: {{\[}}[22, 30],
  // CHECK-NEXT: [54, 62]]]]
  %t = nn.constant dense<[10.0, 20.0, 30.0, 40.0]> : tensor<4xf32>
  %i0 = nn.constant dense<[-1, 0, 7, 2]> : tensor<4xi64>
  %i = tensor.cast %i0 : tensor<4xi64> to tensor<?xi64>
  %g = nn.gather %t, %i {axis = 0 : i64} : tensor<4xf32>, tensor<?xi64> -> tensor<?xf32>
  %gu = tensor.cast %g : tensor<?xf32> to tensor<*xf32>
  call @printMemrefF32(%gu) : (tensor<*xf32>) -> ()
  // -1 is the last element; 7 is clamped to 3.
  // CHECK: [40, 10, 40, 30]
  return
}
