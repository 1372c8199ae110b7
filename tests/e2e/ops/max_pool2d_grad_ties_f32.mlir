// max_pool2d_grad_ties_f32: windows with tied maxima. relu(x) is 0 on about
// half the cells, so many windows hold several zeros as their maximum, or
// only zeros; the gradient goes to the first in row-major order (PyTorch's
// rule), never to a padded cell, in the reference and on the device alike.
module attributes {nn.model = "max_pool2d_grad_ties_f32"} {
  func.func @forward(
      %x: tensor<?x3x8x8xf32> {nn.dims = ["B", "3", "8", "8"], nn.name = "x", nn.role = "input"},
      %dya: tensor<?x3x4x4xf32> {nn.dims = ["B", "3", "4", "4"], nn.name = "dya", nn.role = "input"},
      %dyb: tensor<?x3x8x8xf32> {nn.dims = ["B", "3", "8", "8"], nn.name = "dyb", nn.role = "input"})
      -> (tensor<?x3x8x8xf32> {nn.name = "dxa"}, tensor<?x3x8x8xf32> {nn.name = "dxb"}) {
    %r = nn.relu %x : tensor<?x3x8x8xf32> -> tensor<?x3x8x8xf32>
    %a = nn.max_pool2d_grad %r, %dya {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xf32>, tensor<?x3x4x4xf32> -> tensor<?x3x8x8xf32>
    %b = nn.max_pool2d_grad %r, %dyb {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32> -> tensor<?x3x8x8xf32>
    return %a, %b : tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>
  }
}
