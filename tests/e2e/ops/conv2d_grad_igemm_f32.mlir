// conv2d_grad_igemm_f32: both conv gradients as implicit GEMM at sizes that
// are no multiple of the tiles: 37 output channels, a 3x5 kernel, stride
// [2, 1], padding [1, 2], dilation [1, 2] on 11x13 (dy [B, 37, 6, 9]); and
// groups = 3 (C = 6, O = 9) with stride 2, padding 1 on 10x9.
module attributes {nn.model = "conv2d_grad_igemm_f32"} {
  func.func @forward(
      %x: tensor<?x5x11x13xf32> {nn.dims = ["B", "5", "11", "13"], nn.name = "x", nn.role = "input"},
      %dy: tensor<?x37x6x9xf32> {nn.dims = ["B", "37", "6", "9"], nn.name = "dy", nn.role = "input"},
      %xg: tensor<?x6x10x9xf32> {nn.dims = ["B", "6", "10", "9"], nn.name = "xg", nn.role = "input"},
      %dyg: tensor<?x9x5x5xf32> {nn.dims = ["B", "9", "5", "5"], nn.name = "dyg", nn.role = "input"},
      %w: tensor<37x5x3x5xf32> {nn.init = "normal(mean=0,std=1,seed=1)", nn.name = "w", nn.role = "param"},
      %wg: tensor<9x2x3x3xf32> {nn.init = "normal(mean=0,std=1,seed=2)", nn.name = "wg", nn.role = "param"})
      -> (tensor<?x5x11x13xf32> {nn.name = "dx"}, tensor<37x5x3x5xf32> {nn.name = "dw"},
          tensor<?x6x10x9xf32> {nn.name = "dxg"}, tensor<9x2x3x3xf32> {nn.name = "dwg"}) {
    %dx = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 2>, groups = 1 : i64, input_size = array<i64: 11, 13>, padding = array<i64: 1, 2>, stride = array<i64: 2, 1>} : tensor<?x37x6x9xf32>, tensor<37x5x3x5xf32> -> tensor<?x5x11x13xf32>
    %dw = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 1, 2>, groups = 1 : i64, kernel_size = array<i64: 3, 5>, padding = array<i64: 1, 2>, stride = array<i64: 2, 1>} : tensor<?x5x11x13xf32>, tensor<?x37x6x9xf32> -> tensor<37x5x3x5xf32>
    %dxg = nn.conv2d_grad_input %dyg, %wg {dilation = array<i64: 1, 1>, groups = 3 : i64, input_size = array<i64: 10, 9>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x9x5x5xf32>, tensor<9x2x3x3xf32> -> tensor<?x6x10x9xf32>
    %dwg = nn.conv2d_grad_weight %xg, %dyg {dilation = array<i64: 1, 1>, groups = 3 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x6x10x9xf32>, tensor<?x9x5x5xf32> -> tensor<9x2x3x3xf32>
    return %dx, %dw, %dxg, %dwg : tensor<?x5x11x13xf32>, tensor<37x5x3x5xf32>, tensor<?x6x10x9xf32>, tensor<9x2x3x3xf32>
  }
}
