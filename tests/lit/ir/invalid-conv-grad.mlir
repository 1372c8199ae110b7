// Every verifier diagnostic of the conv and pooling backward ops.
// RUN: nnc-opt %s -split-input-file -verify-diagnostics

func.func @grad_input_dy_shape(%dy: tensor<?x16x28x28xf32>, %w: tensor<16x1x5x5xf32>) {
  // expected-error @+1 {{'conv2d_grad_input' needs dy f32[?,16,24,24] (conv2d of x f32[?,1,28,28] with w f32[16,1,5,5]); got f32[?,16,28,28]}}
  %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 28, 28>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x16x28x28xf32>, tensor<16x1x5x5xf32> -> tensor<?x1x28x28xf32>
  return
}

// -----

func.func @grad_input_channels(%dy: tensor<?x16x24x24xf32>, %w: tensor<8x1x5x5xf32>) {
  // expected-error @+1 {{'conv2d_grad_input' needs dy f32[?,8,24,24] (conv2d of x f32[?,1,28,28] with w f32[8,1,5,5]); got f32[?,16,24,24]}}
  %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 28, 28>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x16x24x24xf32>, tensor<8x1x5x5xf32> -> tensor<?x1x28x28xf32>
  return
}

// -----

func.func @grad_input_size(%dy: tensor<?x16x24x24xf32>, %w: tensor<16x1x5x5xf32>) {
  // expected-error @+1 {{'conv2d_grad_input' input_size must be 2 integers [h, w], each >= 1; got [0,28]}}
  %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 0, 28>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x16x24x24xf32>, tensor<16x1x5x5xf32> -> tensor<?x1x28x28xf32>
  return
}

// -----

func.func @grad_input_groups(%dy: tensor<?x6x6x6xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{'conv2d_grad_input' needs the output channels 6 of w to be a multiple of groups = 4}}
  %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 4 : i64, input_size = array<i64: 8, 8>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x6x6x6xf32>, tensor<6x2x3x3xf32> -> tensor<?x8x8x8xf32>
  return
}

// -----

func.func @grad_input_dtype(%dy: tensor<?x6x6x6xf16>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{'conv2d_grad_input' needs dy and w of the same dtype; got f16[?,6,6,6] and f32[6,2,3,3]}}
  %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 8, 8>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x6x6x6xf16>, tensor<6x2x3x3xf32> -> tensor<?x2x8x8xf16>
  return
}

// -----

func.func @grad_input_result(%dy: tensor<?x6x6x6xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{'conv2d_grad_input' result type f32[?,2,9,8] does not match the inferred f32[?,2,8,8]}}
  %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 8, 8>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x6x6x6xf32>, tensor<6x2x3x3xf32> -> tensor<?x2x9x8xf32>
  return
}

// -----

func.func @grad_input_huge(%dy: tensor<?x6x6x6xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{'conv2d_grad_input' spatial dims must be below 2^62; got 9223372036854775807}}
  %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 9223372036854775807, 8>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x6x6x6xf32>, tensor<6x2x3x3xf32> -> tensor<?x2x8x8xf32>
  return
}

// -----

func.func @grad_input_rank(%dy: tensor<6x6x6xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{'conv2d_grad_input' needs dy [N, O, Ho, Wo] and w [O, C/groups, kh, kw]; got f32[6,6,6] and f32[6,2,3,3]}}
  %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 8, 8>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<6x6x6xf32>, tensor<6x2x3x3xf32> -> tensor<?x2x8x8xf32>
  return
}

// -----

func.func @grad_weight_groups(%x: tensor<?x3x8x8xf32>, %dy: tensor<?x6x6x6xf32>) {
  // expected-error @+1 {{'conv2d_grad_weight' needs the input channels 3 of x to be a multiple of groups = 2}}
  %0 = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 1, 1>, groups = 2 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x3x8x8xf32>, tensor<?x6x6x6xf32> -> tensor<6x1x3x3xf32>
  return
}

// -----

func.func @grad_weight_batch(%x: tensor<4x3x8x8xf32>, %dy: tensor<3x6x6x6xf32>) {
  // expected-error @+1 {{'conv2d_grad_weight' needs dy f32[4,6,6,6] (conv2d of x f32[4,3,8,8] with w f32[6,3,3,3]); got f32[3,6,6,6]}}
  %0 = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<4x3x8x8xf32>, tensor<3x6x6x6xf32> -> tensor<6x3x3x3xf32>
  return
}

// -----

func.func @grad_weight_window(%x: tensor<?x3x4x4xf32>, %dy: tensor<?x6x1x1xf32>) {
  // expected-error @+1 {{'conv2d_grad_weight' window of extent 9 does not fit the input f32[?,3,4,4] padded by 1}}
  %0 = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 2, 2>, groups = 1 : i64, kernel_size = array<i64: 5, 5>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<?x3x4x4xf32>, tensor<?x6x1x1xf32> -> tensor<6x3x5x5xf32>
  return
}

// -----

func.func @grad_weight_dilation(%x: tensor<?x3x8x8xf32>, %dy: tensor<?x6x6x6xf32>) {
  // expected-error @+1 {{'conv2d_grad_weight' dilation must be 2 integers [h, w], each >= 1; got [1]}}
  %0 = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 1>, groups = 1 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x3x8x8xf32>, tensor<?x6x6x6xf32> -> tensor<6x3x3x3xf32>
  return
}

// -----

func.func @max_pool_grad_int(%x: tensor<?x3x8x8xi32>, %dy: tensor<?x3x4x4xi32>) {
  // expected-error @+1 {{'max_pool2d_grad' needs x to be float (f64, f32, f16 or bf16); got i32[?,3,8,8]}}
  %0 = nn.max_pool2d_grad %x, %dy {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xi32>, tensor<?x3x4x4xi32> -> tensor<?x3x8x8xi32>
  return
}

// -----

func.func @max_pool_grad_dy(%x: tensor<?x3x8x8xf32>, %dy: tensor<?x3x3x4xf32>) {
  // expected-error @+1 {{'max_pool2d_grad' needs dy f32[?,3,4,4] (max_pool2d of x f32[?,3,8,8]); got f32[?,3,3,4]}}
  %0 = nn.max_pool2d_grad %x, %dy {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xf32>, tensor<?x3x3x4xf32> -> tensor<?x3x8x8xf32>
  return
}

// -----

func.func @max_pool_grad_padding(%x: tensor<?x3x8x8xf32>, %dy: tensor<?x3x6x6xf32>) {
  // expected-error @+1 {{'max_pool2d_grad' padding [2,2] must be at most half the kernel [2,2]}}
  %0 = nn.max_pool2d_grad %x, %dy {kernel = array<i64: 2, 2>, padding = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xf32>, tensor<?x3x6x6xf32> -> tensor<?x3x8x8xf32>
  return
}

// -----

func.func @max_pool_grad_dtype(%x: tensor<?x3x8x8xf32>, %dy: tensor<?x3x4x4xf16>) {
  // expected-error @+1 {{'max_pool2d_grad' needs x and dy of the same dtype; got f32[?,3,8,8] and f16[?,3,4,4]}}
  %0 = nn.max_pool2d_grad %x, %dy {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xf32>, tensor<?x3x4x4xf16> -> tensor<?x3x8x8xf32>
  return
}

// -----

func.func @avg_pool_grad_rank(%dy: tensor<3x4x4xf32>) {
  // expected-error @+1 {{'avg_pool2d_grad' needs dy [N, C, Ho, Wo]; got f32[3,4,4]}}
  %0 = nn.avg_pool2d_grad %dy {input_size = array<i64: 8, 8>, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<3x4x4xf32> -> tensor<3x8x8xf32>
  return
}

// -----

func.func @avg_pool_grad_dy(%dy: tensor<?x3x4x4xf32>) {
  // expected-error @+1 {{'avg_pool2d_grad' needs dy f32[?,3,3,3] (avg_pool2d of x f32[?,3,7,7]); got f32[?,3,4,4]}}
  %0 = nn.avg_pool2d_grad %dy {input_size = array<i64: 7, 7>, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x4x4xf32> -> tensor<?x3x7x7xf32>
  return
}

// -----

func.func @avg_pool_grad_missing(%dy: tensor<?x3x4x4xf32>) {
  // expected-error @+1 {{requires attribute 'input_size'}}
  %0 = nn.avg_pool2d_grad %dy {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x4x4xf32> -> tensor<?x3x8x8xf32>
  return
}
