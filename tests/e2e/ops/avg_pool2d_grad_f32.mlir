// avg_pool2d_grad_f32: every cell gets dy / (kh kw) from each window over
// it (padded cells count in the divisor): kernel 2 on 28x28 (cnn.nn's
// shapes, were its pools averages); kernel 3, stride 2, padding 1 on 7x7;
// kernel [3, 2], stride [2, 1], padding [1, 0] on 7x7; kernel 3, stride 2 on
// 8x8 (the last row and column are in no window: 0).
module attributes {nn.model = "avg_pool2d_grad_f32"} {
  func.func @forward(
      %dya: tensor<?x16x14x14xf32> {nn.dims = ["B", "16", "14", "14"], nn.name = "dya", nn.role = "input"},
      %dyb: tensor<?x2x4x4xf32> {nn.dims = ["B", "2", "4", "4"], nn.name = "dyb", nn.role = "input"},
      %dyc: tensor<?x2x4x6xf32> {nn.dims = ["B", "2", "4", "6"], nn.name = "dyc", nn.role = "input"},
      %dyd: tensor<?x2x3x3xf32> {nn.dims = ["B", "2", "3", "3"], nn.name = "dyd", nn.role = "input"})
      -> (tensor<?x16x28x28xf32> {nn.name = "dxa"}, tensor<?x2x7x7xf32> {nn.name = "dxb"},
          tensor<?x2x7x7xf32> {nn.name = "dxc"}, tensor<?x2x8x8xf32> {nn.name = "dxd"}) {
    %a = nn.avg_pool2d_grad %dya {input_size = array<i64: 28, 28>, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x16x14x14xf32> -> tensor<?x16x28x28xf32>
    %b = nn.avg_pool2d_grad %dyb {input_size = array<i64: 7, 7>, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x2x4x4xf32> -> tensor<?x2x7x7xf32>
    %c = nn.avg_pool2d_grad %dyc {input_size = array<i64: 7, 7>, kernel = array<i64: 3, 2>, padding = array<i64: 1, 0>, stride = array<i64: 2, 1>} : tensor<?x2x4x6xf32> -> tensor<?x2x7x7xf32>
    %d = nn.avg_pool2d_grad %dyd {input_size = array<i64: 8, 8>, kernel = array<i64: 3, 3>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x2x3x3xf32> -> tensor<?x2x8x8xf32>
    return %a, %b, %c, %d : tensor<?x16x28x28xf32>, tensor<?x2x7x7xf32>, tensor<?x2x7x7xf32>, tensor<?x2x8x8xf32>
  }
}
