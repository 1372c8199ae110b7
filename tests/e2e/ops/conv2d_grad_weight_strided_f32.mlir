// conv2d_grad_weight_strided_f32: the weight gradient with stride 2 and
// groups 2 on 8x8 (a row no window reads); a 3x2 kernel with padding
// [1, 2]; dilation 2 with padding 1 and stride [1, 2].
module attributes {nn.model = "conv2d_grad_weight_strided_f32"} {
  func.func @forward(
      %xa: tensor<?x4x8x8xf32> {nn.dims = ["B", "4", "8", "8"], nn.name = "xa", nn.role = "input"},
      %dya: tensor<?x6x3x3xf32> {nn.dims = ["B", "6", "3", "3"], nn.name = "dya", nn.role = "input"},
      %xb: tensor<?x2x5x6xf32> {nn.dims = ["B", "2", "5", "6"], nn.name = "xb", nn.role = "input"},
      %dyb: tensor<?x4x5x9xf32> {nn.dims = ["B", "4", "5", "9"], nn.name = "dyb", nn.role = "input"},
      %xc: tensor<?x2x9x9xf32> {nn.dims = ["B", "2", "9", "9"], nn.name = "xc", nn.role = "input"},
      %dyc: tensor<?x3x7x4xf32> {nn.dims = ["B", "3", "7", "4"], nn.name = "dyc", nn.role = "input"})
      -> (tensor<6x2x3x3xf32> {nn.name = "dwa"}, tensor<4x2x3x2xf32> {nn.name = "dwb"},
          tensor<3x2x3x3xf32> {nn.name = "dwc"}) {
    %a = nn.conv2d_grad_weight %xa, %dya {dilation = array<i64: 1, 1>, groups = 2 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x4x8x8xf32>, tensor<?x6x3x3xf32> -> tensor<6x2x3x3xf32>
    %b = nn.conv2d_grad_weight %xb, %dyb {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 3, 2>, padding = array<i64: 1, 2>, stride = array<i64: 1, 1>} : tensor<?x2x5x6xf32>, tensor<?x4x5x9xf32> -> tensor<4x2x3x2xf32>
    %c = nn.conv2d_grad_weight %xc, %dyc {dilation = array<i64: 2, 2>, groups = 1 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 1, 2>} : tensor<?x2x9x9xf32>, tensor<?x3x7x4xf32> -> tensor<3x2x3x3xf32>
    return %a, %b, %c : tensor<6x2x3x3xf32>, tensor<4x2x3x2xf32>, tensor<3x2x3x3xf32>
  }
}
