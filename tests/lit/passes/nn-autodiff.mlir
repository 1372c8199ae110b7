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

// -----

// layer_norm recomputes its statistics: with xh = (x - mean) r and
// a = g gamma, d x = r (a - mean(a) - xh mean(a xh)); d gamma sums g xh
// over the leading dims, d beta sums g (each as the rows of a [-1, 4]
// reshape: a vector's gradient over two or more leading dims).
// CHECK-LABEL: func.func @loss_grad
// CHECK: %[[G:.*]] = nn.where
// CHECK: %[[MU:.*]] = nn.mean %[[X:arg0]] {axes = array<i64: 2>, keepdims = true}
// CHECK: %[[XC:.*]] = nn.sub %[[X]], %[[MU]]
// CHECK: %[[VAR:.*]] = nn.mean %{{.*}} {axes = array<i64: 2>, keepdims = true}
// CHECK: %[[EPS:.*]] = nn.add %[[VAR]], %{{.*}} : tensor<?x3x1xf32>, tensor<f32>
// CHECK: %[[R:.*]] = nn.rsqrt %[[EPS]]
// CHECK: %[[XH:.*]] = nn.mul %[[XC]], %[[R]]
// CHECK: %[[A:.*]] = nn.mul %[[G]], %[[GAMMA:arg1]]
// CHECK: %[[MA:.*]] = nn.mean %[[A]] {axes = array<i64: 2>, keepdims = true}
// CHECK: %[[C:.*]] = nn.sub %[[A]], %[[MA]]
// CHECK: %[[AXH:.*]] = nn.mul %[[A]], %[[XH]]
// CHECK: %[[MAXH:.*]] = nn.mean %[[AXH]] {axes = array<i64: 2>, keepdims = true}
// CHECK: %[[P:.*]] = nn.mul %[[XH]], %[[MAXH]]
// CHECK: %[[D:.*]] = nn.sub %[[C]], %[[P]]
// CHECK: %[[DX:.*]] = nn.mul %[[R]], %[[D]]
// CHECK: %[[GXH:.*]] = nn.mul %[[G]], %[[XH]]
// CHECK: %[[GXHR:.*]] = nn.reshape %[[GXH]] {shape = array<i64: -1, 4>} : tensor<?x3x4xf32> -> tensor<?x4xf32>
// CHECK: %[[DG:.*]] = nn.sum %[[GXHR]] {axes = array<i64: 0>, keepdims = false} : tensor<?x4xf32> -> tensor<4xf32>
// CHECK: %[[GR:.*]] = nn.reshape %[[G]] {shape = array<i64: -1, 4>} : tensor<?x3x4xf32> -> tensor<?x4xf32>
// CHECK: %[[DB:.*]] = nn.sum %[[GR]] {axes = array<i64: 0>, keepdims = false} : tensor<?x4xf32> -> tensor<4xf32>
// CHECK: return %{{.*}}, %[[DX]], %[[DG]], %[[DB]] :
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3x4xf32> {nn.name = "x", nn.role = "param"}, %g: tensor<4xf32> {nn.name = "g", nn.role = "param"}, %b: tensor<4xf32> {nn.name = "b", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.layer_norm %x, %g, %b {axis = 2 : i64, eps = 1.0e-05 : f64} : tensor<?x3x4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x3x4xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<?x3x4xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// rms_norm: xh = x r, r = rsqrt(mean(x^2) + eps); d x = r (a - xh mean(a xh)).
// CHECK-LABEL: func.func @loss_grad
// CHECK: %[[MS:.*]] = nn.mean %{{.*}} {axes = array<i64: 1, 2>, keepdims = true} : tensor<?x3x4xf32> -> tensor<?x1x1xf32>
// CHECK: %[[R:.*]] = nn.rsqrt
// CHECK: %[[XH:.*]] = nn.mul %arg0, %[[R]]
// CHECK: %[[A:.*]] = nn.mul %{{.*}}, %arg1 : tensor<?x3x4xf32>, tensor<3x4xf32>
// CHECK: %[[AXH:.*]] = nn.mul %[[A]], %[[XH]]
// CHECK: %[[M:.*]] = nn.mean %[[AXH]] {axes = array<i64: 1, 2>, keepdims = true}
// CHECK: %[[P:.*]] = nn.mul %[[XH]], %[[M]]
// CHECK: %[[D:.*]] = nn.sub %[[A]], %[[P]]
// CHECK: %[[DX:.*]] = nn.mul %[[R]], %[[D]]
// CHECK: nn.sum %{{.*}} {axes = array<i64: 0>, keepdims = false} : tensor<?x3x4xf32> -> tensor<3x4xf32>
// CHECK: return %{{.*}}, %[[DX]], %{{.*}} : tensor<f32>, tensor<?x3x4xf32>, tensor<3x4xf32>
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3x4xf32> {nn.name = "x", nn.role = "param"}, %g: tensor<3x4xf32> {nn.name = "g", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.rms_norm %x, %g {axis = 1 : i64, eps = 1.0e-06 : f64} : tensor<?x3x4xf32>, tensor<3x4xf32> -> tensor<?x3x4xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<?x3x4xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// batch_norm: with training = false the running statistics are constants
// (d x = g gamma r, per channel through a [C, 1, 1] reshape); with
// training = true the batch statistics over axes 0, 2, 3 are recomputed and
// differentiated. The running statistics (state) get no gradient.
// CHECK-LABEL: func.func @loss_grad
// CHECK-SAME: -> (tensor<f32> {nn.name = "loss"}, tensor<?x3x2x2xf32> {nn.name = "grad_x"}, tensor<3xf32> {nn.name = "grad_g"}, tensor<3xf32> {nn.name = "grad_b"})
// CHECK: %[[G:.*]] = nn.where
// CHECK: nn.mul %[[G]], %{{.*}}
// CHECK: %[[G1:.*]] = nn.mul %[[G]], %{{.*}}
// CHECK: %[[GAMMA:.*]] = nn.reshape %arg1 {shape = array<i64: -1, 1, 1>} : tensor<3xf32> -> tensor<3x1x1xf32>
// CHECK: %[[A:.*]] = nn.mul %[[G1]], %[[GAMMA]]
// CHECK: %[[VAR:.*]] = nn.reshape %arg4 {shape = array<i64: -1, 1, 1>}
// CHECK: %[[R:.*]] = nn.rsqrt
// CHECK: %[[MEAN:.*]] = nn.reshape %arg3 {shape = array<i64: -1, 1, 1>}
// CHECK: %[[DXE:.*]] = nn.mul %[[A]], %[[R]]
// CHECK: nn.sum %{{.*}} {axes = array<i64: 0, 2, 3>, keepdims = false} : tensor<?x3x2x2xf32> -> tensor<3xf32>
// CHECK: nn.mean %arg0 {axes = array<i64: 0, 2, 3>, keepdims = true} : tensor<?x3x2x2xf32> -> tensor<1x3x1x1xf32>
// CHECK: %[[R2:.*]] = nn.rsqrt %{{.*}} : tensor<1x3x1x1xf32>
// CHECK: nn.mean %{{.*}} {axes = array<i64: 0, 2, 3>, keepdims = true}
// CHECK: nn.mean %{{.*}} {axes = array<i64: 0, 2, 3>, keepdims = true}
// CHECK: %[[DXT:.*]] = nn.mul %[[R2]], %{{.*}} : tensor<1x3x1x1xf32>, tensor<?x3x2x2xf32>
// CHECK: nn.add %[[DXE]], %[[DXT]]
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3x2x2xf32> {nn.name = "x", nn.role = "param"}, %g: tensor<3xf32> {nn.name = "g", nn.role = "param"}, %b: tensor<3xf32> {nn.name = "b", nn.role = "param"}, %m: tensor<3xf32> {nn.name = "m", nn.role = "state"}, %v: tensor<3xf32> {nn.name = "v", nn.role = "state"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.batch_norm %x, %g, %b, %m, %v {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = true} : tensor<?x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3x2x2xf32>
    %1 = nn.batch_norm %x, %g, %b, %m, %v {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = false} : tensor<?x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3x2x2xf32>
    %2 = nn.mul %0, %1 : tensor<?x3x2x2xf32>, tensor<?x3x2x2xf32> -> tensor<?x3x2x2xf32>
    %3 = nn.sum %2 {axes = array<i64>, keepdims = false} : tensor<?x3x2x2xf32> -> tensor<f32>
    return %3 : tensor<f32>
  }
}

// -----

// max over a middle axis: the result is reshaped back to [?, 1, 4], the
// positions equal to it share the cotangent evenly (divided by their
// count). maximum: the winner takes the cotangent, a tie gives each half,
// and w's share is summed over the broadcast batch axis.
// CHECK-LABEL: func.func @loss_grad
// CHECK: %[[Y:.*]] = nn.max %arg0 {axes = array<i64: 1>, keepdims = false}
// CHECK: %[[G:.*]] = nn.where
// CHECK: %[[HALF:.*]] = nn.mul %[[G]], %{{.*}} : tensor<?x4xf32>, tensor<f32>
// CHECK: %[[TIE:.*]] = nn.compare "eq", %[[Y]], %arg1
// CHECK: %[[SPLIT:.*]] = nn.where %[[TIE]], %[[HALF]], %{{.*}}
// CHECK: %[[LW:.*]] = nn.compare "gt", %[[Y]], %arg1
// CHECK: %[[DL:.*]] = nn.where %[[LW]], %[[G]], %[[SPLIT]]
// CHECK: %[[RW:.*]] = nn.compare "gt", %arg1, %[[Y]]
// CHECK: %[[DR:.*]] = nn.where %[[RW]], %[[G]], %[[SPLIT]]
// CHECK: %[[DW:.*]] = nn.sum %[[DR]] {axes = array<i64: 0>, keepdims = false} : tensor<?x4xf32> -> tensor<4xf32>
// CHECK: %[[YK:.*]] = nn.reshape %[[Y]] {shape = array<i64: -1, 1, 4>} : tensor<?x4xf32> -> tensor<?x1x4xf32>
// CHECK: %[[HIT:.*]] = nn.compare "eq", %arg0, %[[YK]] : tensor<?x3x4xf32>, tensor<?x1x4xf32> -> tensor<?x3x4xi1>
// CHECK: %[[HITF:.*]] = nn.cast %[[HIT]] : tensor<?x3x4xi1> -> tensor<?x3x4xf32>
// CHECK: %[[N:.*]] = nn.sum %[[HITF]] {axes = array<i64: 1>, keepdims = false} : tensor<?x3x4xf32> -> tensor<?x4xf32>
// CHECK: %[[SHARE:.*]] = nn.div %[[DL]], %[[N]]
// CHECK: %[[SK:.*]] = nn.reshape %[[SHARE]] {shape = array<i64: -1, 1, 4>}
// CHECK: %[[DX:.*]] = nn.where %[[HIT]], %[[SK]], %{{.*}} : tensor<?x3x4xi1>, tensor<?x1x4xf32>, tensor<f32> -> tensor<?x3x4xf32>
// CHECK: return %{{.*}}, %[[DX]], %[[DW]]
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3x4xf32> {nn.name = "x", nn.role = "param"}, %w: tensor<4xf32> {nn.name = "w", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.max %x {axes = array<i64: 1>, keepdims = false} : tensor<?x3x4xf32> -> tensor<?x4xf32>
    %1 = nn.maximum %0, %w : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
    %2 = nn.sum %1 {axes = array<i64>, keepdims = false} : tensor<?x4xf32> -> tensor<f32>
    return %2 : tensor<f32>
  }
}

// -----

// slice along the dynamic batch dim from row 1: zeros for row 0 are
// concatenated in front; a strided slice of a static dim scatter-adds at
// the constant positions [0, 2]; concat along the batch dim with the
// dynamic input first slices [0, -2) and [-2, end).
// CHECK-LABEL: func.func @loss_grad
// CHECK: %[[G:.*]] = nn.where
// CHECK: %[[Z1:.*]] = nn.where %{{.*}}, %{{.*}}, %[[S1:.*]] : tensor<i1>, tensor<f32>, tensor<?x2xf32> -> tensor<?x2xf32>
// CHECK: %[[HEAD:.*]] = nn.slice %[[Z1]] {axis = 0 : i64, end = 1 : i64, start = 0 : i64, step = 1 : i64}
// CHECK: %[[D1:.*]] = nn.concat %[[HEAD]], %[[G]] {axis = 0 : i64}
// CHECK: %[[Z0:.*]] = nn.where %{{.*}}, %{{.*}}, %[[C:.*]] : tensor<i1>, tensor<f32>, tensor<?x3xf32> -> tensor<?x3xf32>
// CHECK: %[[POS:.*]] = nn.constant dense<[0, 2]> : tensor<2xi64>
// CHECK: %[[D0:.*]] = nn.scatter_add %[[Z0]], %[[POS]], %[[D1]] {axis = 1 : i64} : tensor<?x3xf32>, tensor<2xi64>, tensor<?x2xf32> -> tensor<?x3xf32>
// CHECK: %[[DX:.*]] = nn.slice %[[D0]] {axis = 0 : i64, end = -2 : i64, start = 0 : i64, step = 1 : i64}
// CHECK: %[[DC:.*]] = nn.slice %[[D0]] {axis = 0 : i64, end = 9223372036854775807 : i64, start = -2 : i64, step = 1 : i64}
// CHECK: return %{{.*}}, %[[DX]], %[[DC]] : tensor<f32>, tensor<?x3xf32>, tensor<?x3xf32>
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3xf32> {nn.name = "x", nn.role = "param"}, %c: tensor<2x3xf32> {nn.name = "c", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.concat %x, %c {axis = 0 : i64} : tensor<?x3xf32>, tensor<2x3xf32> -> tensor<?x3xf32>
    %1 = nn.slice %0 {axis = 1 : i64, start = 0 : i64, end = 3 : i64, step = 2 : i64} : tensor<?x3xf32> -> tensor<?x2xf32>
    %2 = nn.slice %1 {axis = 0 : i64, start = 1 : i64, end = 9223372036854775807 : i64, step = 1 : i64} : tensor<?x2xf32> -> tensor<?x2xf32>
    %3 = nn.sum %2 {axes = array<i64>, keepdims = false} : tensor<?x2xf32> -> tensor<f32>
    return %3 : tensor<f32>
  }
}

// -----

// gather and embedding: the cotangent is scatter-added into zeros shaped
// like the table along the gathered axis; the indices get none. dropout in
// training: its gradient is the same dropout (p, seed, step) of the
// cotangent.
// CHECK-LABEL: func.func @loss_grad
// CHECK: %[[GE:.*]] = nn.where %{{.*}}, %{{.*}}, %{{.*}} : tensor<i1>, tensor<f32>, tensor<?x4xf32> -> tensor<?x4xf32>
// CHECK: %[[GG:.*]] = nn.where %{{.*}}, %{{.*}}, %{{.*}} : tensor<i1>, tensor<f32>, tensor<5x?xf32> -> tensor<5x?xf32>
// CHECK: %[[DD:.*]] = nn.dropout %[[GE]], %arg2 {p = 2.500000e-01 : f64, seed = 3 : i64, training = true} : tensor<?x4xf32>, tensor<f32> -> tensor<?x4xf32>
// CHECK: %[[Z:.*]] = nn.where %{{.*}}, %{{.*}}, %arg1 : tensor<i1>, tensor<f32>, tensor<5x4xf32> -> tensor<5x4xf32>
// CHECK: %[[DE:.*]] = nn.scatter_add %[[Z]], %arg0, %[[DD]] {axis = 0 : i64} : tensor<5x4xf32>, tensor<?xi32>, tensor<?x4xf32> -> tensor<5x4xf32>
// CHECK: %[[DG:.*]] = nn.scatter_add %{{.*}}, %arg0, %[[GG]] {axis = 1 : i64} : tensor<5x4xf32>, tensor<?xi32>, tensor<5x?xf32> -> tensor<5x4xf32>
// CHECK: %[[DT:.*]] = nn.add %[[DE]], %[[DG]]
// CHECK: return %{{.*}}, %[[DT]] : tensor<f32>, tensor<5x4xf32>
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%i: tensor<?xi32> {nn.name = "i", nn.role = "input"}, %t: tensor<5x4xf32> {nn.name = "t", nn.role = "param"}, %s: tensor<f32> {nn.name = "s", nn.role = "input"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.gather %t, %i {axis = 1 : i64} : tensor<5x4xf32>, tensor<?xi32> -> tensor<5x?xf32>
    %1 = nn.embedding %t, %i : tensor<5x4xf32>, tensor<?xi32> -> tensor<?x4xf32>
    %2 = nn.dropout %1, %s {p = 2.500000e-01 : f64, seed = 3 : i64, training = true} : tensor<?x4xf32>, tensor<f32> -> tensor<?x4xf32>
    %3 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<5x?xf32> -> tensor<f32>
    %4 = nn.sum %2 {axes = array<i64>, keepdims = false} : tensor<?x4xf32> -> tensor<f32>
    %5 = nn.add %3, %4 : tensor<f32>, tensor<f32> -> tensor<f32>
    return %5 : tensor<f32>
  }
}

// -----

// Outside training dropout passes the cotangent through.
// CHECK-LABEL: func.func @loss_grad
// CHECK: %[[G:.*]] = nn.where
// CHECK-NOT: nn.dropout %[[G]]
// CHECK: return %{{.*}}, %[[G]] : tensor<f32>, tensor<?x4xf32>
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x4xf32> {nn.name = "x", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.dropout %x {p = 5.000000e-01 : f64, seed = 0 : i64} : tensor<?x4xf32> -> tensor<?x4xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<?x4xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// concat along an axis where two inputs are dynamic: the offsets of the
// slices are unknown.
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3xf32> {nn.name = "x", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    // expected-error @+1 {{the gradient of 'concat' needs the sizes along axis 0 of all inputs but one to be static}}
    %0 = nn.concat %x, %x {axis = 0 : i64} : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<?x3xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// slice of a dynamic dim from a positive start to a negative end: whether
// it is empty depends on the size.
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3xf32> {nn.name = "x", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    // expected-error @+1 {{the gradient of 'slice' along the dynamic dim 0 of f32[?,3] needs step 1 and start and end of the same sign; got start 1, end -1, step 1}}
    %0 = nn.slice %x {axis = 0 : i64, start = 1 : i64, end = -1 : i64, step = 1 : i64} : tensor<?x3xf32> -> tensor<?x3xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<?x3xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// A trained batch_norm's running statistics are updated by @train_step, so
// they must be states: a param (which the optimizer would train too) is an
// error at the op.
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3xf32> {nn.name = "x", nn.role = "input"}, %g: tensor<3xf32> {nn.name = "g", nn.role = "param"}, %m: tensor<3xf32> {nn.name = "m", nn.role = "param"}, %v: tensor<3xf32> {nn.name = "v", nn.role = "state"}) -> (tensor<f32> {nn.name = "loss"}) {
    // expected-error @+1 {{the running mean of a trained batch_norm must be declared with 'state' (train_step updates it); 'm' is a param, which the optimizer would train}}
    %0 = nn.batch_norm %x, %g, %g, %m, %v {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = true} : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<?x3xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// ... and a computed value, which nothing could update, too.
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3xf32> {nn.name = "x", nn.role = "input"}, %g: tensor<3xf32> {nn.name = "g", nn.role = "param"}, %m: tensor<3xf32> {nn.name = "m", nn.role = "state"}, %v: tensor<3xf32> {nn.name = "v", nn.role = "state"}) -> (tensor<f32> {nn.name = "loss"}) {
    %v2 = nn.mul %v, %v : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
    // expected-error @+1 {{the running var of a trained batch_norm must be a 'state' declaration (train_step updates it), not a computed value}}
    %0 = nn.batch_norm %x, %g, %g, %m, %v2 {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = true} : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<?x3xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// Two trained batch_norms sharing a state would update it twice in one step
// (the runtime rejects such a model): an error at the second, with a note
// at the first.
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3xf32> {nn.name = "x", nn.role = "input"}, %g: tensor<3xf32> {nn.name = "g", nn.role = "param"}, %m: tensor<3xf32> {nn.name = "m", nn.role = "state"}, %v: tensor<3xf32> {nn.name = "v", nn.role = "state"}, %v1: tensor<3xf32> {nn.name = "v1", nn.role = "state"}) -> (tensor<f32> {nn.name = "loss"}) {
    // expected-note @+1 {{'m' is also used here}}
    %0 = nn.batch_norm %x, %g, %g, %m, %v {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = true} : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    // expected-error @+1 {{state 'm' is the running mean of this batch_norm and of another statistic: train_step would update it twice; give each batch_norm its own mean and var}}
    %1 = nn.batch_norm %0, %g, %g, %m, %v1 {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = true} : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %2 = nn.sum %1 {axes = array<i64>, keepdims = false} : tensor<?x3xf32> -> tensor<f32>
    return %2 : tensor<f32>
  }
}

// -----

// One state as both the mean and the var of a batch_norm: the same error,
// without a note.
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3xf32> {nn.name = "x", nn.role = "input"}, %g: tensor<3xf32> {nn.name = "g", nn.role = "param"}, %v: tensor<3xf32> {nn.name = "v", nn.role = "state"}) -> (tensor<f32> {nn.name = "loss"}) {
    // expected-error @+1 {{state 'v' is the running var of this batch_norm and of another statistic}}
    %0 = nn.batch_norm %x, %g, %g, %v, %v {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = true} : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %1 = nn.sum %0 {axes = array<i64>, keepdims = false} : tensor<?x3xf32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// relu: the gradient passes where the result is positive (exactly where x
// is), so the backward reads y, which the next layer's weight gradient
// keeps anyway, and x = h @ w need not be stored.
// CHECK-LABEL: func.func @loss_grad
// CHECK: %[[Z:.*]] = nn.matmul
// CHECK: %[[Y:.*]] = nn.relu %[[Z]]
// CHECK: %[[POS:.*]] = nn.compare "gt", %[[Y]], %{{.*}} : tensor<?x2xf32>, tensor<f32> -> tensor<?x2xi1>
// CHECK: nn.where %[[POS]], %{{.*}}, %{{.*}} : tensor<?x2xi1>
// CHECK-NOT: nn.compare "gt", %[[Z]]
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x3xf32> {nn.name = "x", nn.role = "input"}, %w: tensor<3x2xf32> {nn.name = "w", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %z = nn.matmul %x, %w : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
    %y = nn.relu %z : tensor<?x2xf32> -> tensor<?x2xf32>
    %sq = nn.mul %y, %y : tensor<?x2xf32>, tensor<?x2xf32> -> tensor<?x2xf32>
    %l = nn.mean %sq {axes = array<i64>, keepdims = false} : tensor<?x2xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// A dense layer over [B, T, K] activations: the weight's gradient is one
// 2-D product over all B*T rows (x and g reshaped to [-1, K] and [-1, N]),
// not a [B, K, N] product summed over B; the bias's gradient sums the rows
// of the same reshaped g (one value: the side sum of that product).
// CHECK-LABEL: func.func @loss_grad
// CHECK-SAME: -> (tensor<f32> {nn.name = "loss"}, tensor<3x2xf32> {nn.name = "grad_w"}, tensor<2xf32> {nn.name = "grad_b"})
// CHECK: %[[G:.*]] = nn.where
// CHECK: %[[GR:.*]] = nn.reshape %[[G]] {shape = array<i64: -1, 2>} : tensor<?x5x2xf32> -> tensor<?x2xf32>
// CHECK: %[[GB:.*]] = nn.sum %[[GR]] {axes = array<i64: 0>, keepdims = false} : tensor<?x2xf32> -> tensor<2xf32>
// CHECK: %[[XR:.*]] = nn.reshape %[[X:.*]] {shape = array<i64: -1, 3>} : tensor<?x5x3xf32> -> tensor<?x3xf32>
// CHECK: %[[GR2:.*]] = nn.reshape %[[G]] {shape = array<i64: -1, 2>}
// CHECK: %[[XT:.*]] = nn.transpose %[[XR]] {perm = array<i64: 1, 0>} : tensor<?x3xf32> -> tensor<3x?xf32>
// CHECK: %[[GW:.*]] = nn.matmul %[[XT]], %[[GR2]] : tensor<3x?xf32>, tensor<?x2xf32> -> tensor<3x2xf32>
// CHECK-NOT: nn.sum
// CHECK: return %{{.*}}, %[[GW]], %[[GB]] : tensor<f32>, tensor<3x2xf32>, tensor<2xf32>
module attributes {nn.train = {loss = "loss", optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x5x3xf32> {nn.name = "x", nn.role = "input"}, %w: tensor<3x2xf32> {nn.name = "w", nn.role = "param"}, %b: tensor<2xf32> {nn.name = "b", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %h = nn.matmul %x, %w : tensor<?x5x3xf32>, tensor<3x2xf32> -> tensor<?x5x2xf32>
    %y = nn.add %h, %b : tensor<?x5x2xf32>, tensor<2xf32> -> tensor<?x5x2xf32>
    %l = nn.sum %y {axes = array<i64>, keepdims = false} : tensor<?x5x2xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
