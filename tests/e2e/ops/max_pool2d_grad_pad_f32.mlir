// max_pool2d_grad_pad_f32: overlapping windows with -inf padding (kernel 3,
// stride 2, padding 1: cells of two windows sum both gradients) and a
// rectangular kernel [3, 2] with stride [1, 2].
module attributes {nn.model = "max_pool2d_grad_pad_f32"} {
  func.func @forward(
      %x: tensor<?x2x7x7xf32> {nn.dims = ["B", "2", "7", "7"], nn.name = "x", nn.role = "input"},
      %dya: tensor<?x2x4x4xf32> {nn.dims = ["B", "2", "4", "4"], nn.name = "dya", nn.role = "input"},
      %dyb: tensor<?x2x5x3xf32> {nn.dims = ["B", "2", "5", "3"], nn.name = "dyb", nn.role = "input"})
      -> (tensor<?x2x7x7xf32> {nn.name = "dxa"}, tensor<?x2x7x7xf32> {nn.name = "dxb"}) {
    %a = nn.max_pool2d_grad %x, %dya {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x2x7x7xf32>, tensor<?x2x4x4xf32> -> tensor<?x2x7x7xf32>
    %b = nn.max_pool2d_grad %x, %dyb {kernel = array<i64: 3, 2>, padding = array<i64: 0, 0>, stride = array<i64: 1, 2>} : tensor<?x2x7x7xf32>, tensor<?x2x5x3xf32> -> tensor<?x2x7x7xf32>
    return %a, %b : tensor<?x2x7x7xf32>, tensor<?x2x7x7xf32>
  }
}
