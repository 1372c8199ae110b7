// add + relu over a dynamic batch: two kernels, the second reads the first's
// output. Each walks its 4 B elements in a grid-stride loop of 256-thread
// workgroups (arguments: the memrefs, then the element count as an index).
func.func @add_relu(%x: tensor<?x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = nn.add %x, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %1 = nn.relu %0 : tensor<?x4xf32> -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}
