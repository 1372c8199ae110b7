// The graph emitter writes declarations, the train line, both entries and
// every kind of attribute in the format of docs/graph-format.md.
// RUN: nnc %s --emit=graph | FileCheck %s

// CHECK:      nngraph 1
// CHECK-NEXT: model tiny
// CHECK-NEXT: input x f32[B,4]
// CHECK-NEXT: input y i32[B]
// CHECK-NEXT: param w f32[4,3] glorot_uniform(seed=1)
// CHECK-NEXT: state s f32[3] zeros
// The optimizer's state, declared by @train_step:
// CHECK-NEXT: state opt.step f32[] zeros
// CHECK-NEXT: state opt.m.w f32[4,3] zeros
// CHECK-NEXT: state opt.v.w f32[4,3] zeros
// CHECK-NEXT: train loss adam beta1=0.9 lr=0.001 weight_decay=0
// CHECK-NEXT: func forward
// Canonicalization hoists the constants to the top.
// CHECK-NEXT:   %0 = constant value=[true,false] : bool[2]
// CHECK-NEXT:   %1 = constant value=[1,2,3] : i64[3]
// CHECK-NEXT:   %2 = constant value=[0.5] : f32[]
// CHECK-NEXT:   %3 = matmul %x %w : f32[?,3]
// CHECK-NEXT:   %4 = add %3 %s : f32[?,3]
// CHECK-NEXT:   %5 = compare %4 %2 predicate="lt" : bool[?,3]
// CHECK-NEXT:   %6 = sum %4 axes=[0,1] keepdims=false : f32[]
// CHECK-NEXT:   %7 = gelu %4 approximate="tanh" : f32[?,3]
// CHECK-NEXT:   %8 = layer_norm %7 %s %s axis=1 eps=1e-05 : f32[?,3]
// CHECK-NEXT:   return logits=%8, mask=%5, total=%6, ints=%1, bools=%0
// CHECK-NEXT: end
// CHECK-NEXT: func loss
// CHECK-NEXT:   %0 = matmul %x %w : f32[?,3]
// CHECK-NEXT:   %1 = cross_entropy %0 %y : f32[]
// CHECK-NEXT:   return loss=%1
// CHECK-NEXT: end
// @train_step: the loss, its gradient and adam's update; the next values of
// the params and the optimizer's state are an `update` line.
// CHECK-NEXT: func train_step
// CHECK:        [[T:%[0-9]+]] = add %opt.step
// CHECK:        [[W:%[0-9]+]] = sub %w
// CHECK-NEXT:   update opt.step=[[T]], opt.m.w=%{{[0-9]+}}, opt.v.w=%{{[0-9]+}}, w=[[W]]
// CHECK-NEXT:   return loss=%{{[0-9]+}}
// CHECK-NEXT: end

module attributes {nn.model = "tiny", nn.train = {loss = "loss", optimizer = "adam", lr = 1.0e-3 : f64, beta1 = 0.9 : f64, weight_decay = 0 : i64}} {
  func.func @forward(%x: tensor<?x4xf32> {nn.name = "x", nn.role = "input", nn.dims = ["B", "4"]},
                     %y: tensor<?xi32> {nn.name = "y", nn.role = "input", nn.dims = ["B"]},
                     %w: tensor<4x3xf32> {nn.name = "w", nn.role = "param", nn.init = "glorot_uniform(seed=1)"},
                     %s: tensor<3xf32> {nn.name = "s", nn.role = "state", nn.init = "zeros"})
      -> (tensor<?x3xf32> {nn.name = "logits"}, tensor<?x3xi1> {nn.name = "mask"}, tensor<f32> {nn.name = "total"}, tensor<3xi64> {nn.name = "ints"}, tensor<2xi1> {nn.name = "bools"}) {
    %0 = nn.matmul %x, %w : tensor<?x4xf32>, tensor<4x3xf32> -> tensor<?x3xf32>
    %1 = nn.add %0, %s : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %c = nn.constant dense<0.5> : tensor<f32>
    %2 = nn.compare "lt", %1, %c : tensor<?x3xf32>, tensor<f32> -> tensor<?x3xi1>
    %3 = nn.sum %1 {axes = array<i64: 0, 1>, keepdims = false} : tensor<?x3xf32> -> tensor<f32>
    %4 = nn.gelu %1 {approximate = "tanh"} : tensor<?x3xf32> -> tensor<?x3xf32>
    %5 = nn.layer_norm %4, %s, %s {axis = 1 : i64, eps = 1.0e-5 : f64} : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %i = nn.constant dense<[1, 2, 3]> : tensor<3xi64>
    %b = nn.constant dense<[true, false]> : tensor<2xi1>
    return %5, %2, %3, %i, %b : tensor<?x3xf32>, tensor<?x3xi1>, tensor<f32>, tensor<3xi64>, tensor<2xi1>
  }
  func.func @loss(%x: tensor<?x4xf32> {nn.name = "x", nn.role = "input", nn.dims = ["B", "4"]},
                  %y: tensor<?xi32> {nn.name = "y", nn.role = "input", nn.dims = ["B"]},
                  %w: tensor<4x3xf32> {nn.name = "w", nn.role = "param", nn.init = "glorot_uniform(seed=1)"},
                  %s: tensor<3xf32> {nn.name = "s", nn.role = "state", nn.init = "zeros"})
      -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.matmul %x, %w : tensor<?x4xf32>, tensor<4x3xf32> -> tensor<?x3xf32>
    %1 = nn.cross_entropy %0, %y : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}
