// conv2d_grad_input_cnn_f32: the input gradients of the two convs of
// examples/mnist/cnn.nn (padding 2): dy [B, 32, 14, 14] with w
// [32, 16, 5, 5], and dy [B, 16, 28, 28] with w [16, 1, 5, 5].
// DIMS: 4 3
module attributes {nn.model = "conv2d_grad_input_cnn_f32"} {
  func.func @forward(
      %dy2: tensor<?x32x14x14xf32> {nn.dims = ["B", "32", "14", "14"], nn.name = "dy2", nn.role = "input"},
      %dy1: tensor<?x16x28x28xf32> {nn.dims = ["B", "16", "28", "28"], nn.name = "dy1", nn.role = "input"},
      %w2: tensor<32x16x5x5xf32> {nn.init = "he_normal(seed=1)", nn.name = "w2", nn.role = "param"},
      %w1: tensor<16x1x5x5xf32> {nn.init = "he_normal(seed=2)", nn.name = "w1", nn.role = "param"})
      -> (tensor<?x16x14x14xf32> {nn.name = "dx2"}, tensor<?x1x28x28xf32> {nn.name = "dx1"}) {
    %0 = nn.conv2d_grad_input %dy2, %w2 {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 14, 14>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x32x14x14xf32>, tensor<32x16x5x5xf32> -> tensor<?x16x14x14xf32>
    %1 = nn.conv2d_grad_input %dy1, %w1 {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 28, 28>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x16x28x28xf32>, tensor<16x1x5x5xf32> -> tensor<?x1x28x28xf32>
    return %0, %1 : tensor<?x16x14x14xf32>, tensor<?x1x28x28xf32>
  }
}
