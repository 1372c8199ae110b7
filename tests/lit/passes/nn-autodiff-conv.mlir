// nn-autodiff through conv2d and the pools: conv2d's gradient is
// conv2d_grad_input (to x, with x's H, W), conv2d_grad_weight (to w, with
// w's kernel size) and a sum over N, H, W (to the bias); max_pool2d and
// avg_pool2d become their _grad ops with the forward attributes;
// global_avg_pool spreads dy [N, C] over H, W and divides by H W. A rule
// that needs a static H, W reports a located error.
// RUN: nnc-opt %s -nn-autodiff -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @loss_grad
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x2x8x8xf32> {{[{][^}]*[}]}}, %[[W:[^:]*]]: tensor<6x1x3x3xf32> {{[{][^}]*[}]}}, %[[B:[^:]*]]: tensor<6xf32> {{[{][^}]*[}]}}, %[[P:[^:]*]]: tensor<2x8x8xf32> {{[{][^}]*[}]}})
// CHECK-SAME: -> (tensor<f32> {nn.name = "loss"}, tensor<6x1x3x3xf32> {nn.name = "grad_w"}, tensor<6xf32> {nn.name = "grad_b"}, tensor<2x8x8xf32> {nn.name = "grad_p"})
// CHECK: %[[H:.*]] = nn.add %[[X]], %[[P]]
// CHECK: %[[C:.*]] = nn.conv2d %[[H]], %[[W]], %[[B]]
// CHECK: %[[M:.*]] = nn.max_pool2d %[[C]]
// CHECK: %[[A:.*]] = nn.avg_pool2d %[[M]]
// CHECK: %[[G:.*]] = nn.global_avg_pool %[[A]]
// CHECK: %[[SEED:.*]] = nn.where %{{.*}}, %{{.*}}, %[[G]] : tensor<i1>, tensor<f32>, tensor<?x6xf32> -> tensor<?x6xf32>
// CHECK: %[[COL:.*]] = nn.reshape %[[SEED]] {shape = array<i64: -1, 6, 1, 1>} : tensor<?x6xf32> -> tensor<?x6x1x1xf32>
// CHECK: %[[SPREAD:.*]] = nn.where %{{.*}}, %[[COL]], %[[A]] : tensor<i1>, tensor<?x6x1x1xf32>, tensor<?x6x3x3xf32> -> tensor<?x6x3x3xf32>
// CHECK: %[[NINE:.*]] = nn.constant dense<9.000000e+00> : tensor<f32>
// CHECK: %[[DA:.*]] = nn.div %[[SPREAD]], %[[NINE]]
// CHECK: %[[DM:.*]] = nn.avg_pool2d_grad %[[DA]] {input_size = array<i64: 2, 2>, kernel = array<i64: 2, 2>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<?x6x3x3xf32> -> tensor<?x6x2x2xf32>
// CHECK: %[[DC:.*]] = nn.max_pool2d_grad %[[C]], %[[DM]] {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x6x4x4xf32>, tensor<?x6x2x2xf32> -> tensor<?x6x4x4xf32>
// CHECK: %[[DH:.*]] = nn.conv2d_grad_input %[[DC]], %[[W]] {dilation = array<i64: 1, 1>, groups = 2 : i64, input_size = array<i64: 8, 8>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x6x4x4xf32>, tensor<6x1x3x3xf32> -> tensor<?x2x8x8xf32>
// CHECK: %[[DW:.*]] = nn.conv2d_grad_weight %[[H]], %[[DC]] {dilation = array<i64: 1, 1>, groups = 2 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x2x8x8xf32>, tensor<?x6x4x4xf32> -> tensor<6x1x3x3xf32>
// CHECK: %[[DB:.*]] = nn.sum %[[DC]] {axes = array<i64: 0, 2, 3>, keepdims = false} : tensor<?x6x4x4xf32> -> tensor<6xf32>
// CHECK: %[[DP:.*]] = nn.sum %[[DH]] {axes = array<i64: 0>, keepdims = false} : tensor<?x2x8x8xf32> -> tensor<2x8x8xf32>
// CHECK: return %{{.*}}, %[[DW]], %[[DB]], %[[DP]]
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x2x8x8xf32> {nn.name = "x", nn.role = "input"}, %w: tensor<6x1x3x3xf32> {nn.name = "w", nn.role = "param"}, %b: tensor<6xf32> {nn.name = "b", nn.role = "param"}, %p: tensor<2x8x8xf32> {nn.name = "p", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %h = nn.add %x, %p : tensor<?x2x8x8xf32>, tensor<2x8x8xf32> -> tensor<?x2x8x8xf32>
    %0 = nn.conv2d %h, %w, %b {dilation = array<i64: 1, 1>, groups = 2 : i64, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x2x8x8xf32>, tensor<6x1x3x3xf32>, tensor<6xf32> -> tensor<?x6x4x4xf32>
    %1 = nn.max_pool2d %0 {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x6x4x4xf32> -> tensor<?x6x2x2xf32>
    %2 = nn.avg_pool2d %1 {kernel = array<i64: 2, 2>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<?x6x2x2xf32> -> tensor<?x6x3x3xf32>
    %3 = nn.global_avg_pool %2 : tensor<?x6x3x3xf32> -> tensor<?x6xf32>
    %4 = nn.sum %3 {axes = array<i64>, keepdims = false} : tensor<?x6xf32> -> tensor<f32>
    return %4 : tensor<f32>
  }
}

// -----

// A dynamic H: conv2d_grad_input needs the input's H, W as attributes.
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x2x?x8xf32> {nn.name = "x", nn.role = "input"}, %w: tensor<4x2x3x3xf32> {nn.name = "w", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    // expected-error @+1 {{the gradient of 'conv2d' needs the input's H and W static; got f32[?,2,?,8]}}
    %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x2x?x8xf32>, tensor<4x2x3x3xf32> -> tensor<?x4x?x6xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<?x4x?x6xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x?x4x4xf32> {nn.name = "x", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    // expected-error @+1 {{the gradient of 'global_avg_pool' needs N or C static; got f32[?,?,4,4]}}
    %0 = nn.global_avg_pool %x : tensor<?x?x4x4xf32> -> tensor<?x?xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<?x?xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// Integer max pooling is off the gradient's path: no max_pool2d_grad.
// CHECK-LABEL: func.func @loss_grad
// CHECK-NOT: nn.max_pool2d_grad
// CHECK: return
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<2x1x4x4xi32> {nn.name = "x", nn.role = "input"}, %w: tensor<2x1x2x2xf32> {nn.name = "w", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.max_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<2x1x4x4xi32> -> tensor<2x1x2x2xi32>
    %1 = nn.cast %0 : tensor<2x1x2x2xi32> -> tensor<2x1x2x2xf32>
    %2 = nn.mul %1, %w : tensor<2x1x2x2xf32>, tensor<2x1x2x2xf32> -> tensor<2x1x2x2xf32>
    %3 = nn.sum %2 {axes = array<i64>, keepdims = false} : tensor<2x1x2x2xf32> -> tensor<f32>
    return %3 : tensor<f32>
  }
}
