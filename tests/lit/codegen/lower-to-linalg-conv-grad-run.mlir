// Runs the lowerings of the conv and pooling backward ops on the host
// through the upstream CPU pipeline. The expected numbers were computed
// independently with PyTorch 1.13 (/usr/bin/python3) as the gradients of
// (f(x) * dy).sum() for F.max_pool2d(x, 2, stride=1),
// F.max_pool2d(x, 3, stride=2, padding=1), F.max_pool2d(x, 2) (of x and
// of a 4x4 with NaN and -inf windows), F.conv2d(x, w, stride=2,
// padding=1) (x and w) and F.avg_pool2d(x, 3, stride=2, padding=1,
// count_include_pad=True), with x the 4x4 below: its windows hold tied
// maxima, which PyTorch gives to the first in row-major order. Inputs go
// through `?` batch dims.
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
  %x0 = nn.constant dense<[[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, 2.0], [3.0, 3.0, -1.0, -1.0], [3.0, 0.0, -1.0, -1.0]]]]> : tensor<1x1x4x4xf32>
  %x = tensor.cast %x0 : tensor<1x1x4x4xf32> to tensor<?x1x4x4xf32>

  %dya0 = nn.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]]> : tensor<1x1x3x3xf32>
  %dya = tensor.cast %dya0 : tensor<1x1x3x3xf32> to tensor<?x1x3x3xf32>
  %ma = nn.max_pool2d_grad %x, %dya {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x1x4x4xf32>, tensor<?x1x3x3xf32> -> tensor<?x1x4x4xf32>
  %mau = tensor.cast %ma : tensor<?x1x4x4xf32> to tensor<*xf32>
  call @printMemrefF32(%mau) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}{{\[}}{{\[}}[1, 0, 0, 3],
  // CHECK-NEXT: [0, 0, 8, 0],
  // CHECK-NEXT: [11, 13, 9, 0],
  // CHECK-NEXT: [0, 0, 0, 0]]]]

  %dyb0 = nn.constant dense<[[[[1.0, 10.0], [100.0, 1000.0]]]]> : tensor<1x1x2x2xf32>
  %dyb = tensor.cast %dyb0 : tensor<1x1x2x2xf32> to tensor<?x1x2x2xf32>
  %mb = nn.max_pool2d_grad %x, %dyb {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x1x4x4xf32>, tensor<?x1x2x2xf32> -> tensor<?x1x4x4xf32>
  %mbu = tensor.cast %mb : tensor<?x1x4x4xf32> to tensor<*xf32>
  call @printMemrefF32(%mbu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}{{\[}}{{\[}}[1, 0, 0, 10],
  // CHECK-NEXT: [0, 0, 0, 0],
  // CHECK-NEXT: [100, 1000, 0, 0],
  // CHECK-NEXT: [0, 0, 0, 0]]]]

  // 2x2 windows with stride 2 tile x: the elementwise lowering (each cell
  // reads its window). Ties go to the first cell; below, NaN to the last
  // NaN, a window of -inf to its first cell (PyTorch 1.13 on the CPU).
  %me = nn.max_pool2d_grad %x, %dyb {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x1x4x4xf32>, tensor<?x1x2x2xf32> -> tensor<?x1x4x4xf32>
  %meu = tensor.cast %me : tensor<?x1x4x4xf32> to tensor<*xf32>
  call @printMemrefF32(%meu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}{{\[}}{{\[}}[1, 0, 0, 10],
  // CHECK-NEXT: [0, 0, 0, 0],
  // CHECK-NEXT: [100, 0, 1000, 0],
  // CHECK-NEXT: [0, 0, 0, 0]]]]
  %xn0 = nn.constant dense<[[[[0x7FC00000, 5.0, 0xFF800000, 0xFF800000], [0x7FC00000, 1.0, 0xFF800000, 0xFF800000], [2.0, 0x7FC00000, 0.0, 0.0], [7.0, 7.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %xn = tensor.cast %xn0 : tensor<1x1x4x4xf32> to tensor<?x1x4x4xf32>
  %mn = nn.max_pool2d_grad %xn, %dyb {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x1x4x4xf32>, tensor<?x1x2x2xf32> -> tensor<?x1x4x4xf32>
  %mnu = tensor.cast %mn : tensor<?x1x4x4xf32> to tensor<*xf32>
  call @printMemrefF32(%mnu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}{{\[}}{{\[}}[0, 0, 10, 0],
  // CHECK-NEXT: [1, 0, 0, 0],
  // CHECK-NEXT: [0, 100, 1000, 0],
  // CHECK-NEXT: [0, 0, 0, 0]]]]

  %w = nn.constant dense<[[[[1.0, 2.0, 0.0], [0.0, -1.0, 1.0], [2.0, 0.0, 1.0]]], [[[0.0, 1.0, 0.0], [1.0, -2.0, 1.0], [0.0, 1.0, 0.0]]]]> : tensor<2x1x3x3xf32>
  %dyc0 = nn.constant dense<[[[[1.0, 2.0], [3.0, 4.0]], [[-1.0, 0.5], [2.0, -3.0]]]]> : tensor<1x2x2x2xf32>
  %dyc = tensor.cast %dyc0 : tensor<1x2x2x2xf32> to tensor<?x2x2x2xf32>
  %dx = nn.conv2d_grad_input %dyc, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 4, 4>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x2x2x2xf32>, tensor<2x1x3x3xf32> -> tensor<?x1x4x4xf32>
  %dxu = tensor.cast %dx : tensor<?x1x4x4xf32> to tensor<*xf32>
  call @printMemrefF32(%dxu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}{{\[}}{{\[}}[1, 0.5, -3, 2.5],
  // CHECK-NEXT: [7, 9, 5.5, 2],
  // CHECK-NEXT: [-7, 2, 2, 1],
  // CHECK-NEXT: [2, 11, -3, 4]]]]
  %dw = nn.conv2d_grad_weight %x, %dyc {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x1x4x4xf32>, tensor<?x2x2x2xf32> -> tensor<2x1x3x3xf32>
  %dwu = tensor.cast %dw : tensor<2x1x3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%dwu) : (tensor<*xf32>) -> ()
  // CHECK: {{\[}}{{\[}}{{\[}}[0, 11, 8],
  // CHECK-NEXT: [14, 6, 10],
  // CHECK-NEXT: [0, 10, 0]]],
  // CHECK-NEXT: {{\[}}{{\[}}[0, -4, -6],
  // CHECK-NEXT: [-8.5, 8, 9],
  // CHECK-NEXT: [0, 9, 4]]]]

  %dyd0 = nn.constant dense<[[[[9.0, 18.0], [27.0, 36.0]]]]> : tensor<1x1x2x2xf32>
  %dyd = tensor.cast %dyd0 : tensor<1x1x2x2xf32> to tensor<?x1x2x2xf32>
  %av = nn.avg_pool2d_grad %dyd {input_size = array<i64: 4, 4>, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x1x2x2xf32> -> tensor<?x1x4x4xf32>
  %avu = tensor.cast %av : tensor<?x1x4x4xf32> to tensor<*xf32>
  call @printMemrefF32(%avu) : (tensor<*xf32>) -> ()
  // Every cell gets dy / 9 from each window over it.
  // CHECK: {{\[}}{{\[}}{{\[}}[1, 3, 2, 2],
  // CHECK-NEXT: [4, 10, 6, 6],
  // CHECK-NEXT: [3, 7, 4, 4],
  // CHECK-NEXT: [3, 7, 4, 4]]]]
  return
}
