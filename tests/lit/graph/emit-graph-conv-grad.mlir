// The backward ops of conv2d and the pools go to the graph format like any
// nn op: the MLIR name without `nn.`, the attributes as `[h,w]` lists.
// RUN: nnc %s --emit=graph | FileCheck %s

// CHECK:      func forward
// CHECK-NEXT:   %0 = conv2d_grad_input %dy %w dilation=[1,1] groups=2 input_size=[8,8] padding=[0,0] stride=[2,2] : f32[?,4,8,8]
// CHECK-NEXT:   %1 = conv2d_grad_weight %x %dy dilation=[1,1] groups=2 kernel_size=[3,3] padding=[0,0] stride=[2,2] : f32[6,2,3,3]
// CHECK-NEXT:   %2 = max_pool2d_grad %x %dp kernel=[2,2] padding=[0,0] stride=[2,2] : f32[?,4,8,8]
// CHECK-NEXT:   %3 = avg_pool2d_grad %dp input_size=[8,8] kernel=[2,2] padding=[0,0] stride=[2,2] : f32[?,4,8,8]
// CHECK-NEXT:   return dx=%0, dw=%1, dmax=%2, davg=%3
// CHECK-NEXT: end
module attributes {nn.model = "grads"} {
  func.func @forward(
      %x: tensor<?x4x8x8xf32> {nn.dims = ["B", "4", "8", "8"], nn.name = "x", nn.role = "input"},
      %dy: tensor<?x6x3x3xf32> {nn.dims = ["B", "6", "3", "3"], nn.name = "dy", nn.role = "input"},
      %dp: tensor<?x4x4x4xf32> {nn.dims = ["B", "4", "4", "4"], nn.name = "dp", nn.role = "input"},
      %w: tensor<6x2x3x3xf32> {nn.init = "zeros", nn.name = "w", nn.role = "param"})
      -> (tensor<?x4x8x8xf32> {nn.name = "dx"}, tensor<6x2x3x3xf32> {nn.name = "dw"},
          tensor<?x4x8x8xf32> {nn.name = "dmax"}, tensor<?x4x8x8xf32> {nn.name = "davg"}) {
    %0 = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>, groups = 2 : i64, input_size = array<i64: 8, 8>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x6x3x3xf32>, tensor<6x2x3x3xf32> -> tensor<?x4x8x8xf32>
    %1 = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 1, 1>, groups = 2 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x4x8x8xf32>, tensor<?x6x3x3xf32> -> tensor<6x2x3x3xf32>
    %2 = nn.max_pool2d_grad %x, %dp {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x4x8x8xf32>, tensor<?x4x4x4xf32> -> tensor<?x4x8x8xf32>
    %3 = nn.avg_pool2d_grad %dp {input_size = array<i64: 8, 8>, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x4x4x4xf32> -> tensor<?x4x8x8xf32>
    return %0, %1, %2, %3 : tensor<?x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<?x4x8x8xf32>, tensor<?x4x8x8xf32>
  }
}
