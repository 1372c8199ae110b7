// batch_norm with training = false in @loss, which the frontend never writes
// (the loss entry trains on batch statistics): the running statistics are
// constants of the gradient. tests/e2e/autodiff/batch_norm.nn, --emit=nn,
// with training = false.
module attributes {nn.model = "ad_batch_norm", nn.train = {loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd", weight_decay = 0.000000e+00 : f64}} {
  func.func @forward(%arg0: tensor<?x3x2x2xf32> {nn.dims = ["B", "3", "2", "2"], nn.name = "x", nn.role = "input"}, %arg1: tensor<2x2xf32> {nn.init = "normal(mean=0,std=1,seed=1)", nn.name = "w", nn.role = "param"}, %arg2: tensor<3xf32> {nn.init = "normal(mean=0,std=1,seed=2)", nn.name = "g", nn.role = "param"}, %arg3: tensor<3xf32> {nn.init = "normal(mean=0,std=1,seed=3)", nn.name = "b", nn.role = "param"}, %arg4: tensor<3xf32> {nn.init = "normal(mean=0,std=1,seed=4)", nn.name = "v", nn.role = "param"}, %arg5: tensor<3xf32> {nn.init = "zeros", nn.name = "rm", nn.role = "state"}, %arg6: tensor<3xf32> {nn.init = "ones", nn.name = "rv", nn.role = "state"}, %arg7: tensor<3xf32> {nn.init = "zeros", nn.name = "rm2", nn.role = "state"}, %arg8: tensor<3xf32> {nn.init = "ones", nn.name = "rv2", nn.role = "state"}) -> (tensor<?x3x2x2xf32> {nn.name = "x"}) {
    return %arg0 : tensor<?x3x2x2xf32>
  }
  func.func @loss(%arg0: tensor<?x3x2x2xf32> {nn.dims = ["B", "3", "2", "2"], nn.name = "x", nn.role = "input"}, %arg1: tensor<2x2xf32> {nn.init = "normal(mean=0,std=1,seed=1)", nn.name = "w", nn.role = "param"}, %arg2: tensor<3xf32> {nn.init = "normal(mean=0,std=1,seed=2)", nn.name = "g", nn.role = "param"}, %arg3: tensor<3xf32> {nn.init = "normal(mean=0,std=1,seed=3)", nn.name = "b", nn.role = "param"}, %arg4: tensor<3xf32> {nn.init = "normal(mean=0,std=1,seed=4)", nn.name = "v", nn.role = "param"}, %arg5: tensor<3xf32> {nn.init = "zeros", nn.name = "rm", nn.role = "state"}, %arg6: tensor<3xf32> {nn.init = "ones", nn.name = "rv", nn.role = "state"}, %arg7: tensor<3xf32> {nn.init = "zeros", nn.name = "rm2", nn.role = "state"}, %arg8: tensor<3xf32> {nn.init = "ones", nn.name = "rv2", nn.role = "state"}) -> (tensor<f32> {nn.name = "loss"}, tensor<?x3x2x2xf32> {nn.name = "x"}) {
    %0 = nn.mul %arg0, %arg1 : tensor<?x3x2x2xf32>, tensor<2x2xf32> -> tensor<?x3x2x2xf32>
    %1 = nn.batch_norm %0, %arg2, %arg3, %arg5, %arg6 {eps = 1.000000e-05 : f64, momentum = 1.000000e-01 : f64, training = false} : tensor<?x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3x2x2xf32>
    %2 = nn.sum %arg0 {axes = array<i64: 2, 3>, keepdims = false} : tensor<?x3x2x2xf32> -> tensor<?x3xf32>
    %3 = nn.mul %2, %arg4 : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %4 = nn.batch_norm %3, %arg2, %arg3, %arg7, %arg8 {eps = 1.000000e-03 : f64, momentum = 2.000000e-01 : f64, training = false} : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %5 = nn.mul %1, %arg0 : tensor<?x3x2x2xf32>, tensor<?x3x2x2xf32> -> tensor<?x3x2x2xf32>
    %6 = nn.sum %5 {axes = array<i64>, keepdims = false} : tensor<?x3x2x2xf32> -> tensor<f32>
    %7 = nn.mul %4, %4 : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
    %8 = nn.mul %7, %arg4 : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %9 = nn.sum %8 {axes = array<i64>, keepdims = false} : tensor<?x3xf32> -> tensor<f32>
    %10 = nn.add %6, %9 : tensor<f32>, tensor<f32> -> tensor<f32>
    return %10, %arg0 : tensor<f32>, tensor<?x3x2x2xf32>
  }
}
