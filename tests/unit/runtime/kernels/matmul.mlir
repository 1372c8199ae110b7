// A static matmul: one register-tiled contraction kernel whose accumulators
// start at the zero of the fill (folded in, no kernel of its own).
func.func @matmul(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>) -> tensor<8x32xf32> {
  %0 = nn.matmul %x, %w : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}
