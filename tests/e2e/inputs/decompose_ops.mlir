// Every op nn-decompose rewrites, for tests/e2e/decompose_reference.sh: the
// reference interpreter runs this module as is and after -nn-decompose.
// The logits have 10 classes: nnc-run draws random labels in [0, 10) both
// when cross_entropy bounds them and when nothing does (the decomposed
// graph), so both runs see the same labels. The per-channel and per-feature
// params are initializers, so that `var` is positive.
module attributes {nn.model = "decompose_ops"} {
  func.func @forward(
      %x: tensor<?x10xf32> {nn.name = "x", nn.role = "input", nn.dims = ["B", "10"]},
      %t: tensor<?x10xf32> {nn.name = "t", nn.role = "input", nn.dims = ["B", "10"]},
      %labels: tensor<?xi64> {nn.name = "labels", nn.role = "input", nn.dims = ["B"]},
      %img: tensor<?x4x3x3xf32> {nn.name = "img", nn.role = "input", nn.dims = ["B", "4", "3", "3"]},
      %seq: tensor<?x5x8xf32> {nn.name = "seq", nn.role = "input", nn.dims = ["B", "5", "8"]},
      %ln_g: tensor<5x8xf32> {nn.name = "ln_g", nn.role = "param", nn.init = "uniform(lo=0.5,hi=1.5,seed=1)"},
      %ln_b: tensor<5x8xf32> {nn.name = "ln_b", nn.role = "param", nn.init = "uniform(lo=-1,hi=1,seed=2)"},
      %rms_g: tensor<8xf32> {nn.name = "rms_g", nn.role = "param", nn.init = "uniform(lo=0.5,hi=1.5,seed=3)"},
      %bn_g: tensor<4xf32> {nn.name = "bn_g", nn.role = "param", nn.init = "uniform(lo=0.5,hi=1.5,seed=4)"},
      %bn_b: tensor<4xf32> {nn.name = "bn_b", nn.role = "param", nn.init = "uniform(lo=-1,hi=1,seed=5)"},
      %bn_m: tensor<4xf32> {nn.name = "bn_m", nn.role = "state", nn.init = "uniform(lo=-0.5,hi=0.5,seed=6)"},
      %bn_v: tensor<4xf32> {nn.name = "bn_v", nn.role = "state", nn.init = "uniform(lo=0.5,hi=1.5,seed=7)"},
      %fc_g: tensor<10xf32> {nn.name = "fc_g", nn.role = "param", nn.init = "uniform(lo=0.5,hi=1.5,seed=8)"},
      %fc_b: tensor<10xf32> {nn.name = "fc_b", nn.role = "param", nn.init = "uniform(lo=-1,hi=1,seed=9)"},
      %fc_m: tensor<10xf32> {nn.name = "fc_m", nn.role = "state", nn.init = "uniform(lo=-0.5,hi=0.5,seed=10)"},
      %fc_v: tensor<10xf32> {nn.name = "fc_v", nn.role = "state", nn.init = "uniform(lo=0.5,hi=1.5,seed=11)"})
      -> (tensor<?x10xf32> {nn.name = "softmax"},
          tensor<?x10xf32> {nn.name = "softmax_batch"},
          tensor<?x10xf32> {nn.name = "log_softmax"},
          tensor<?x5x8xf32> {nn.name = "layer_norm"},
          tensor<?x5x8xf32> {nn.name = "rms_norm"},
          tensor<?x4x3x3xf32> {nn.name = "batch_norm"},
          tensor<?x4x3x3xf32> {nn.name = "batch_norm_train"},
          tensor<?x10xf32> {nn.name = "batch_norm_2d"},
          tensor<f32> {nn.name = "mse"},
          tensor<f32> {nn.name = "cross_entropy"}) {
    %0 = nn.softmax %x {axis = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
    %1 = nn.softmax %x {axis = 0 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
    %2 = nn.log_softmax %x {axis = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
    %3 = nn.layer_norm %seq, %ln_g, %ln_b {axis = 1 : i64, eps = 1.0e-05 : f64}
        : tensor<?x5x8xf32>, tensor<5x8xf32>, tensor<5x8xf32> -> tensor<?x5x8xf32>
    %4 = nn.rms_norm %seq, %rms_g {axis = 2 : i64, eps = 1.0e-06 : f64}
        : tensor<?x5x8xf32>, tensor<8xf32> -> tensor<?x5x8xf32>
    %5 = nn.batch_norm %img, %bn_g, %bn_b, %bn_m, %bn_v {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = false}
        : tensor<?x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x4x3x3xf32>
    %6 = nn.batch_norm %img, %bn_g, %bn_b, %bn_m, %bn_v {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = true}
        : tensor<?x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x4x3x3xf32>
    %7 = nn.batch_norm %x, %fc_g, %fc_b, %fc_m, %fc_v {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = false}
        : tensor<?x10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<10xf32> -> tensor<?x10xf32>
    %8 = nn.mse %x, %t : tensor<?x10xf32>, tensor<?x10xf32> -> tensor<f32>
    %9 = nn.cross_entropy %x, %labels : tensor<?x10xf32>, tensor<?xi64> -> tensor<f32>
    return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9
        : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x5x8xf32>, tensor<?x5x8xf32>,
          tensor<?x4x3x3xf32>, tensor<?x4x3x3xf32>, tensor<?x10xf32>, tensor<f32>, tensor<f32>
  }
}
