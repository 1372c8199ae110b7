// nn-autodiff: @loss_grad returns the loss and d loss / d param per param,
// built from each op's gradient rule; ops off the param-to-loss path are
// ignored, an op on it without a rule is a located error.
// RUN: nnc-opt %s -nn-autodiff -split-input-file -verify-diagnostics | FileCheck %s

// Broadcast add and a full sum: the 0-d seed is spread over x's shape, and
// the bias gradient is summed over the broadcast (dynamic) batch axis.
// CHECK-LABEL: func.func @loss_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32> {nn.name = "x", nn.role = "input"}, %[[B:.*]]: tensor<4xf32> {nn.name = "b", nn.role = "param"})
// CHECK-SAME: -> (tensor<f32> {nn.name = "loss"}, tensor<4xf32> {nn.name = "grad_b"})
// CHECK: %[[Y:.*]] = nn.add %[[X]], %[[B]]
// CHECK: %[[L:.*]] = nn.sum %[[Y]] {axes = array<i64>, keepdims = false}
// CHECK: %[[ONE:.*]] = nn.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[T:.*]] = nn.constant dense<true> : tensor<i1>
// CHECK: %[[G:.*]] = nn.where %[[T]], %[[ONE]], %[[Y]] : tensor<i1>, tensor<f32>, tensor<?x4xf32> -> tensor<?x4xf32>
// CHECK: %[[GB:.*]] = nn.sum %[[G]] {axes = array<i64: 0>, keepdims = false} : tensor<?x4xf32> -> tensor<4xf32>
// CHECK: return %[[L]], %[[GB]] : tensor<f32>, tensor<4xf32>
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x4xf32> {nn.name = "x", nn.role = "input"}, %b: tensor<4xf32> {nn.name = "b", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.add %x, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<?x4xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// Matmul: dW = x^T @ g; a value used twice (h) gets its cotangents summed;
// the argmax making a forward output is off the path and is dropped.
// CHECK-LABEL: func.func @loss_grad
// CHECK-SAME: -> (tensor<f32> {nn.name = "loss"}, tensor<3x2xf32> {nn.name = "grad_w"})
// CHECK: %[[H:.*]] = nn.matmul %[[X:.*]], %[[W:.*]] : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
// CHECK: nn.mul %{{.*}}, %[[H]]
// CHECK: nn.mul %{{.*}}, %[[H]]
// CHECK: %[[SUM:.*]] = nn.add %{{.*}}, %{{.*}} : tensor<?x2xf32>, tensor<?x2xf32> -> tensor<?x2xf32>
// CHECK: %[[XT:.*]] = nn.transpose %[[X]] {perm = array<i64: 1, 0>} : tensor<?x3xf32> -> tensor<3x?xf32>
// CHECK: %[[GW:.*]] = nn.matmul %[[XT]], %[[SUM]] : tensor<3x?xf32>, tensor<?x2xf32> -> tensor<3x2xf32>
// CHECK-NOT: nn.argmax
// CHECK: return %{{.*}}, %[[GW]] : tensor<f32>, tensor<3x2xf32>
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3xf32> {nn.name = "x", nn.role = "input"}, %w: tensor<3x2xf32> {nn.name = "w", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}, tensor<?xi64> {nn.name = "pred"}) {
    %h = nn.matmul %x, %w : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
    %p = nn.argmax %h {axis = 1 : i64, keepdims = false} : tensor<?x2xf32> -> tensor<?xi64>
    %sq = nn.mul %h, %h : tensor<?x2xf32>, tensor<?x2xf32> -> tensor<?x2xf32>
    %l = nn.mean %sq {axes = array<i64>, keepdims = false} : tensor<?x2xf32> -> tensor<f32>
    return %l, %p : tensor<f32>, tensor<?xi64>
  }
}

// -----

// cross_entropy: labels get no gradient; d logits = (softmax - onehot) / B,
// with B counted at run time.
// CHECK-LABEL: func.func @loss_grad
// CHECK: %[[R:.*]] = nn.reshape %[[Y:.*]] {shape = array<i64: -1, 1>} : tensor<?xi32> -> tensor<?x1xi32>
// CHECK: %[[HIT:.*]] = nn.compare "eq", %[[R]], %{{.*}} : tensor<?x1xi32>, tensor<3xi32> -> tensor<?x3xi1>
// CHECK: %[[OH:.*]] = nn.cast %[[HIT]] : tensor<?x3xi1> -> tensor<?x3xf32>
// CHECK: %[[P:.*]] = nn.softmax %{{.*}} {axis = 1 : i64}
// CHECK: nn.sub %[[P]], %[[OH]]
// CHECK: return {{.*}} : tensor<f32>, tensor<4x3xf32>
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x4xf32> {nn.name = "x", nn.role = "input"}, %y: tensor<?xi32> {nn.name = "y", nn.role = "input"}, %w: tensor<4x3xf32> {nn.name = "w", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.matmul %x, %w : tensor<?x4xf32>, tensor<4x3xf32> -> tensor<?x3xf32>
    %1 = nn.cross_entropy %0, %y : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// A param the loss does not depend on gets a zero gradient of its shape.
// CHECK-LABEL: func.func @loss_grad
// CHECK: %[[Z:.*]] = nn.where %{{.*}}, %{{.*}}, %[[U:.*]] : tensor<i1>, tensor<f32>, tensor<5xf32> -> tensor<5xf32>
// CHECK: return %{{.*}}, %{{.*}}, %[[Z]] : tensor<f32>, tensor<4xf32>, tensor<5xf32>
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<4xf32> {nn.name = "x", nn.role = "input"}, %w: tensor<4xf32> {nn.name = "w", nn.role = "param"}, %u: tensor<5xf32> {nn.name = "u", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.mul %x, %w : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<4xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// Without nn.train the pass does nothing.
// CHECK-LABEL: func.func @loss(
// CHECK-NOT: @loss_grad
func.func @loss(%x: tensor<4xf32> {nn.name = "x", nn.role = "param"}) -> tensor<f32> {
  %0 = nn.sum %x {axes = array<i64>, keepdims = false} : tensor<4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// argmax on the path from a param to the loss has no gradient.
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3xf32> {nn.name = "x", nn.role = "input"}, %w: tensor<3x2xf32> {nn.name = "w", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %h = nn.matmul %x, %w : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
    // expected-error @+1 {{no gradient for 'argmax'}}
    %p = nn.argmax %h {axis = 1 : i64, keepdims = false} : tensor<?x2xf32> -> tensor<?xi64>
    %f = nn.cast %p : tensor<?xi64> -> tensor<?xf32>
    %l = nn.sum %f {axes = array<i64>, keepdims = false} : tensor<?xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// The loss must be a float scalar.
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%w: tensor<3xf32> {nn.name = "w", nn.role = "param"}) -> (tensor<3xf32> {nn.name = "loss"}) {
    // expected-error @+1 {{nn-autodiff: the loss must be a float scalar, got f32[3]}}
    %0 = nn.neg %w : tensor<3xf32> -> tensor<3xf32>
    return %0 : tensor<3xf32>
  }
}
