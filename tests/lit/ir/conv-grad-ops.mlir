// The backward ops of conv2d and the pools parse, verify and print back,
// and infer their result types: nn-infer-shapes refines declared `?` dims
// (the batch comes from dy or x, C from w and groups, H, W from input_size
// or x, O from dy, the kernel from kernel_size).
// RUN: nnc-opt %s | nnc-opt | FileCheck %s
// RUN: nnc-opt %s --mlir-print-op-generic | nnc-opt | FileCheck %s
// RUN: nnc-opt %s -nn-infer-shapes | FileCheck %s --check-prefix=INFER

// CHECK-LABEL: func.func @conv_grads
// CHECK: nn.conv2d_grad_input %{{.*}}, %{{.*}} {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 28, 28>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x16x28x28xf32>, tensor<16x1x5x5xf32> -> tensor<?x?x?x?xf32>
// CHECK: nn.conv2d_grad_weight %{{.*}}, %{{.*}} {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 5, 5>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x1x28x28xf32>, tensor<?x16x28x28xf32> -> tensor<?x?x?x?xf32>
// INFER-LABEL: func.func @conv_grads
// INFER-SAME: -> (tensor<?x1x28x28xf32>, tensor<16x1x5x5xf32>)
// INFER: nn.conv2d_grad_input {{.*}} -> tensor<?x1x28x28xf32>
// INFER: nn.conv2d_grad_weight {{.*}} -> tensor<16x1x5x5xf32>
func.func @conv_grads(%x: tensor<?x1x28x28xf32>, %dy: tensor<?x16x28x28xf32>,
                      %w: tensor<16x1x5x5xf32>)
    -> (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) {
  %dx = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 28, 28>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x16x28x28xf32>, tensor<16x1x5x5xf32> -> tensor<?x?x?x?xf32>
  %dw = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 5, 5>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x1x28x28xf32>, tensor<?x16x28x28xf32> -> tensor<?x?x?x?xf32>
  return %dx, %dw : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
}

// Stride 2 on an 8x8 input gives 3x3 (a row is read by no window), and only
// input_size tells 8 from 7; groups = 2 doubles w's 2 channels per group.
// CHECK-LABEL: func.func @conv_grads_strided_grouped
// CHECK: nn.conv2d_grad_input {{.*}} : tensor<2x6x3x3xf16>, tensor<6x2x3x3xf16> -> tensor<?x?x8x8xf16>
// CHECK: nn.conv2d_grad_weight {{.*}} : tensor<2x4x8x8xf16>, tensor<2x6x3x3xf16> -> tensor<?x2x3x3xf16>
// INFER-LABEL: func.func @conv_grads_strided_grouped
// INFER-SAME: -> (tensor<2x4x8x8xf16>, tensor<6x2x3x3xf16>)
// INFER: nn.conv2d_grad_input {{.*}} -> tensor<2x4x8x8xf16>
// INFER: nn.conv2d_grad_weight {{.*}} -> tensor<6x2x3x3xf16>
func.func @conv_grads_strided_grouped(%x: tensor<2x4x8x8xf16>, %dy: tensor<2x6x3x3xf16>,
                                      %w: tensor<6x2x3x3xf16>)
    -> (tensor<?x?x8x8xf16>, tensor<?x2x3x3xf16>) {
  %dx = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 2 : i64, input_size = array<i64: 8, 8>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<2x6x3x3xf16>, tensor<6x2x3x3xf16> -> tensor<?x?x8x8xf16>
  %dw = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 1, 1>, groups = 2 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<2x4x8x8xf16>, tensor<2x6x3x3xf16> -> tensor<?x2x3x3xf16>
  return %dx, %dw : tensor<?x?x8x8xf16>, tensor<?x2x3x3xf16>
}

// CHECK-LABEL: func.func @pool_grads
// CHECK: nn.max_pool2d_grad %{{.*}}, %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xf32>, tensor<?x3x4x4xf32> -> tensor<?x3x?x?xf32>
// CHECK: nn.avg_pool2d_grad %{{.*}} {input_size = array<i64: 8, 8>, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x3x4x4xf32> -> tensor<?x?x?x?xf32>
// INFER-LABEL: func.func @pool_grads
// INFER-SAME: -> (tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>)
// INFER: nn.max_pool2d_grad {{.*}} -> tensor<?x3x8x8xf32>
// INFER: nn.avg_pool2d_grad {{.*}} -> tensor<?x3x8x8xf32>
func.func @pool_grads(%x: tensor<?x3x8x8xf32>, %dy: tensor<?x3x4x4xf32>)
    -> (tensor<?x3x?x?xf32>, tensor<?x?x?x?xf32>) {
  %0 = nn.max_pool2d_grad %x, %dy {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xf32>, tensor<?x3x4x4xf32> -> tensor<?x3x?x?xf32>
  %1 = nn.avg_pool2d_grad %dy {input_size = array<i64: 8, 8>, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x3x4x4xf32> -> tensor<?x?x?x?xf32>
  return %0, %1 : tensor<?x3x?x?xf32>, tensor<?x?x?x?xf32>
}
