// conv2d_grad_weight_cnn_f32: the weight gradients of the two convs of
// examples/mnist/cnn.nn (padding 2): x [B, 1, 28, 28] with dy
// [B, 16, 28, 28], and x [B, 16, 14, 14] with dy [B, 32, 14, 14].
// DIMS: 4 3
module attributes {nn.model = "conv2d_grad_weight_cnn_f32"} {
  func.func @forward(
      %x1: tensor<?x1x28x28xf32> {nn.dims = ["B", "1", "28", "28"], nn.name = "x1", nn.role = "input"},
      %dy1: tensor<?x16x28x28xf32> {nn.dims = ["B", "16", "28", "28"], nn.name = "dy1", nn.role = "input"},
      %x2: tensor<?x16x14x14xf32> {nn.dims = ["B", "16", "14", "14"], nn.name = "x2", nn.role = "input"},
      %dy2: tensor<?x32x14x14xf32> {nn.dims = ["B", "32", "14", "14"], nn.name = "dy2", nn.role = "input"})
      -> (tensor<16x1x5x5xf32> {nn.name = "dw1"}, tensor<32x16x5x5xf32> {nn.name = "dw2"}) {
    %0 = nn.conv2d_grad_weight %x1, %dy1 {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 5, 5>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x1x28x28xf32>, tensor<?x16x28x28xf32> -> tensor<16x1x5x5xf32>
    %1 = nn.conv2d_grad_weight %x2, %dy2 {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 5, 5>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x16x14x14xf32>, tensor<?x32x14x14xf32> -> tensor<32x16x5x5xf32>
    return %0, %1 : tensor<16x1x5x5xf32>, tensor<32x16x5x5xf32>
  }
}
