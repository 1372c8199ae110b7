// max_pool2d_grad_cnn_f32: the gradients of examples/mnist/cnn.nn's two
// 2x2 max pools: x [B, 16, 28, 28] with dy [B, 16, 14, 14], and
// x [B, 32, 14, 14] with dy [B, 32, 7, 7].
// DIMS: 4 3
module attributes {nn.model = "max_pool2d_grad_cnn_f32"} {
  func.func @forward(
      %x1: tensor<?x16x28x28xf32> {nn.dims = ["B", "16", "28", "28"], nn.name = "x1", nn.role = "input"},
      %dy1: tensor<?x16x14x14xf32> {nn.dims = ["B", "16", "14", "14"], nn.name = "dy1", nn.role = "input"},
      %x2: tensor<?x32x14x14xf32> {nn.dims = ["B", "32", "14", "14"], nn.name = "x2", nn.role = "input"},
      %dy2: tensor<?x32x7x7xf32> {nn.dims = ["B", "32", "7", "7"], nn.name = "dy2", nn.role = "input"})
      -> (tensor<?x16x28x28xf32> {nn.name = "dx1"}, tensor<?x32x14x14xf32> {nn.name = "dx2"}) {
    %0 = nn.max_pool2d_grad %x1, %dy1 {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x16x28x28xf32>, tensor<?x16x14x14xf32> -> tensor<?x16x28x28xf32>
    %1 = nn.max_pool2d_grad %x2, %dy2 {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x32x14x14xf32>, tensor<?x32x7x7xf32> -> tensor<?x32x14x14xf32>
    return %0, %1 : tensor<?x16x28x28xf32>, tensor<?x32x14x14xf32>
  }
}
