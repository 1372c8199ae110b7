// conv2d_grad_input_strided_f32: the transposed convolution with stride 2
// and groups 2 on 8x8 (the last row and column are read by no window: 0);
// a 3x2 kernel with padding [1, 2] (along w the padding exceeds the
// kernel's reach); dilation 2 with padding 1 and stride [1, 2].
module attributes {nn.model = "conv2d_grad_input_strided_f32"} {
  func.func @forward(
      %dya: tensor<?x6x3x3xf32> {nn.dims = ["B", "6", "3", "3"], nn.name = "dya", nn.role = "input"},
      %dyb: tensor<?x4x5x9xf32> {nn.dims = ["B", "4", "5", "9"], nn.name = "dyb", nn.role = "input"},
      %dyc: tensor<?x3x7x4xf32> {nn.dims = ["B", "3", "7", "4"], nn.name = "dyc", nn.role = "input"},
      %wa: tensor<6x2x3x3xf32> {nn.init = "normal(mean=0,std=1,seed=1)", nn.name = "wa", nn.role = "param"},
      %wb: tensor<4x2x3x2xf32> {nn.init = "normal(mean=0,std=1,seed=2)", nn.name = "wb", nn.role = "param"},
      %wc: tensor<3x2x3x3xf32> {nn.init = "normal(mean=0,std=1,seed=3)", nn.name = "wc", nn.role = "param"})
      -> (tensor<?x4x8x8xf32> {nn.name = "dxa"}, tensor<?x2x5x6xf32> {nn.name = "dxb"},
          tensor<?x2x9x9xf32> {nn.name = "dxc"}) {
    %a = nn.conv2d_grad_input %dya, %wa {dilation = array<i64: 1, 1>, groups = 2 : i64, input_size = array<i64: 8, 8>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x6x3x3xf32>, tensor<6x2x3x3xf32> -> tensor<?x4x8x8xf32>
    %b = nn.conv2d_grad_input %dyb, %wb {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 5, 6>, padding = array<i64: 1, 2>, stride = array<i64: 1, 1>} : tensor<?x4x5x9xf32>, tensor<4x2x3x2xf32> -> tensor<?x2x5x6xf32>
    %c = nn.conv2d_grad_input %dyc, %wc {dilation = array<i64: 2, 2>, groups = 1 : i64, input_size = array<i64: 9, 9>, padding = array<i64: 1, 1>, stride = array<i64: 1, 2>} : tensor<?x3x7x4xf32>, tensor<3x2x3x3xf32> -> tensor<?x2x9x9xf32>
    return %a, %b, %c : tensor<?x4x8x8xf32>, tensor<?x2x5x6xf32>, tensor<?x2x9x9xf32>
  }
}
