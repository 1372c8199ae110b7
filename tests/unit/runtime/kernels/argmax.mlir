// argmax along axis 1 with an i64 result: the kernel needs the Int64 capability.
func.func @argmax(%x: tensor<?x8xf32>) -> tensor<?xi64> {
  %0 = nn.argmax %x {axis = 1 : i64, keepdims = false} : tensor<?x8xf32> -> tensor<?xi64>
  return %0 : tensor<?xi64>
}
