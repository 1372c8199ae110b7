// nnc-lower-to-linalg leaves an op without a lowering alone and fails with a
// located error.
// RUN: nnc-opt %s --nnc-lower-to-linalg -verify-diagnostics -split-input-file

// Conv windows need static spatial dims; only the batch may be dynamic.
func.func @conv_dynamic_spatial(%x: tensor<?x3x?x?xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x?x?xf32> {
  // expected-error @below {{nnc-lower-to-linalg: no lowering for 'nn.conv2d' yet}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x3x?x?xf32>, tensor<4x3x3x3xf32> -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}

// -----

// The ops around it are still lowered; only the unsupported one is reported.
func.func @softmax_not_lowered(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = nn.exp %x : tensor<?x10xf32> -> tensor<?x10xf32>
  // expected-error @below {{nnc-lower-to-linalg: no lowering for 'nn.softmax' yet}}
  %1 = nn.softmax %0 {axis = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
  return %1 : tensor<?x10xf32>
}
