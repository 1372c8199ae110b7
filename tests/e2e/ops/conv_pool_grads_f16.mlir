// conv_pool_grads_f16: the four backward ops on f16 (sums in f32, one
// rounding at the end): conv2d_grad_input and conv2d_grad_weight with
// stride 2 and padding 1, max_pool2d_grad and avg_pool2d_grad with kernel 3,
// stride 2, padding 1.
module attributes {nn.model = "conv_pool_grads_f16"} {
  func.func @forward(
      %x: tensor<?x4x9x9xf16> {nn.dims = ["B", "4", "9", "9"], nn.name = "x", nn.role = "input"},
      %dy: tensor<?x6x5x5xf16> {nn.dims = ["B", "6", "5", "5"], nn.name = "dy", nn.role = "input"},
      %dp: tensor<?x4x5x5xf16> {nn.dims = ["B", "4", "5", "5"], nn.name = "dp", nn.role = "input"},
      %w: tensor<6x4x3x3xf16> {nn.init = "he_normal(seed=1)", nn.name = "w", nn.role = "param"})
      -> (tensor<?x4x9x9xf16> {nn.name = "dx"}, tensor<6x4x3x3xf16> {nn.name = "dw"},
          tensor<?x4x9x9xf16> {nn.name = "dmax"}, tensor<?x4x9x9xf16> {nn.name = "davg"}) {
    %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 9, 9>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x6x5x5xf16>, tensor<6x4x3x3xf16> -> tensor<?x4x9x9xf16>
    %1 = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x4x9x9xf16>, tensor<?x6x5x5xf16> -> tensor<6x4x3x3xf16>
    %2 = nn.max_pool2d_grad %x, %dp {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x4x9x9xf16>, tensor<?x4x5x5xf16> -> tensor<?x4x9x9xf16>
    %3 = nn.avg_pool2d_grad %dp {input_size = array<i64: 9, 9>, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x4x5x5xf16> -> tensor<?x4x9x9xf16>
    return %0, %1, %2, %3 : tensor<?x4x9x9xf16>, tensor<6x4x3x3xf16>, tensor<?x4x9x9xf16>, tensor<?x4x9x9xf16>
  }
}
