// nn-autodiff builds @train_step: the gradients, the optimizer's update in nn
// ops, its state as new zero-initialised state arguments, running statistics
// of training batch_norms, and results marked nn.update.
// RUN: nnc-opt %s -split-input-file -nn-autodiff='loss-grad=false' | FileCheck %s

// sgd with momentum and weight decay; a training batch_norm whose running
// statistics are states.
module attributes {nn.model = "bn", nn.train = {loss = "loss", lr = 1.000000e-01 : f64, momentum = 9.000000e-01 : f64, optimizer = "sgd", weight_decay = 1.000000e-02 : f64}} {
  func.func @loss(%x: tensor<?x2x3xf32> {nn.name = "x", nn.role = "input"}, %y: tensor<?x2x3xf32> {nn.name = "y", nn.role = "input"}, %g: tensor<2xf32> {nn.init = "ones", nn.name = "g", nn.role = "param"}, %b: tensor<2xf32> {nn.init = "zeros", nn.name = "b", nn.role = "param"}, %rm: tensor<2xf32> {nn.init = "zeros", nn.name = "rm", nn.role = "state"}, %rv: tensor<2xf32> {nn.init = "ones", nn.name = "rv", nn.role = "state"}) -> (tensor<f32> {nn.name = "loss"}, tensor<?x2x3xf32> {nn.name = "h"}) {
    %0 = nn.batch_norm %x, %g, %b, %rm, %rv {eps = 1.000000e-05 : f64, momentum = 2.000000e-01 : f64, training = true} : tensor<?x2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32> -> tensor<?x2x3xf32>
    %1 = nn.mse %0, %y : tensor<?x2x3xf32>, tensor<?x2x3xf32> -> tensor<f32>
    return %1, %0 : tensor<f32>, tensor<?x2x3xf32>
  }
}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME:    %[[X:[a-z0-9]+]]: tensor<?x2x3xf32> {nn.name = "x", nn.role = "input"}
// CHECK-SAME:    %[[G:[a-z0-9]+]]: tensor<2xf32> {nn.init = "ones", nn.name = "g", nn.role = "param"}
// CHECK-SAME:    %[[RM:[a-z0-9]+]]: tensor<2xf32> {nn.init = "zeros", nn.name = "rm", nn.role = "state"}
// CHECK-SAME:    %[[RV:[a-z0-9]+]]: tensor<2xf32> {nn.init = "ones", nn.name = "rv", nn.role = "state"}
// CHECK-SAME:    %[[STEP:[a-z0-9]+]]: tensor<f32> {nn.init = "zeros", nn.name = "opt.step", nn.role = "state"}
// CHECK-SAME:    %[[BUFG:[a-z0-9]+]]: tensor<2xf32> {nn.init = "zeros", nn.name = "opt.buf.g", nn.role = "state"}
// CHECK-SAME:    %[[BUFB:[a-z0-9]+]]: tensor<2xf32> {nn.init = "zeros", nn.name = "opt.buf.b", nn.role = "state"}
// CHECK-SAME:  -> (tensor<f32> {nn.name = "loss"}, tensor<?x2x3xf32> {nn.name = "h"},
// CHECK-SAME:      tensor<2xf32> {nn.name = "rm", nn.update = "rm"}, tensor<2xf32> {nn.name = "rv", nn.update = "rv"},
// CHECK-SAME:      tensor<f32> {nn.name = "opt.step", nn.update = "opt.step"},
// CHECK-SAME:      tensor<2xf32> {nn.name = "opt.buf.g", nn.update = "opt.buf.g"}, tensor<2xf32> {nn.name = "g", nn.update = "g"},
// CHECK-SAME:      tensor<2xf32> {nn.name = "opt.buf.b", nn.update = "opt.buf.b"}, tensor<2xf32> {nn.name = "b", nn.update = "b"})
// The step count comes first (a training dropout would read it).
// CHECK:         %[[NSTEP:.*]] = nn.add %[[STEP]], %{{.*}} : tensor<f32>, tensor<f32>
// Running mean: 0.8 rm + 0.2 batch mean over axes 0 and 2.
// CHECK:         %[[BM:.*]] = nn.mean %[[X]] {axes = array<i64: 0, 2>, keepdims = false}
// CHECK:         %[[RM1:.*]] = nn.mul %{{.*}}, %[[RM]]
// CHECK:         %[[RM2:.*]] = nn.mul %{{.*}}, %[[BM]]
// CHECK:         %[[NRM:.*]] = nn.add %[[RM1]], %[[RM2]]
// Running variance: unbiased, n / (n - 1) from a count of the batch.
// CHECK:         %[[N:.*]] = nn.sum %{{.*}} {axes = array<i64: 0, 2>, keepdims = false}
// CHECK:         %[[NM1:.*]] = nn.sub %[[N]], %{{.*}}
// CHECK:         nn.div %[[N]], %[[NM1]]
// CHECK:         %[[NRV:.*]] = nn.add
// g: weight decay, then the momentum buffer, then the step.
// CHECK:         %[[WD:.*]] = nn.mul %{{.*}}, %[[G]]
// CHECK:         %[[GG:.*]] = nn.add %{{.*}}, %[[WD]]
// CHECK:         %[[MB:.*]] = nn.mul %{{.*}}, %[[BUFG]]
// CHECK:         %[[NBUF:.*]] = nn.add %[[MB]], %[[GG]]
// CHECK:         %[[LRB:.*]] = nn.mul %{{.*}}, %[[NBUF]]
// CHECK:         %[[NG:.*]] = nn.sub %[[G]], %[[LRB]]
// CHECK:         return %{{.*}}, %{{.*}}, %[[NRM]], %[[NRV]], %[[NSTEP]], %[[NBUF]], %[[NG]], %{{.*}}, %{{.*}} :
// CHECK-NOT:   @loss_grad

// -----

// adamw: decoupled weight decay scales the param; bias corrections are built
// once from the step count.
module attributes {nn.model = "w", nn.train = {beta1 = 9.000000e-01 : f64, beta2 = 9.990000e-01 : f64, eps = 1.000000e-08 : f64, loss = "loss", lr = 1.000000e-02 : f64, optimizer = "adamw", weight_decay = 1.000000e-01 : f64}} {
  func.func @loss(%x: tensor<?x4xf32> {nn.name = "x", nn.role = "input"}, %w: tensor<4xf32> {nn.init = "ones", nn.name = "w", nn.role = "param"}, %v: tensor<4xf32> {nn.init = "ones", nn.name = "v", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.mul %x, %w : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
    %1 = nn.mul %0, %v : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
    %2 = nn.sum %1 {axes = array<i64: 0, 1>, keepdims = false} : tensor<?x4xf32> -> tensor<f32>
    return %2 : tensor<f32>
  }
}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME:    %[[W:[a-z0-9]+]]: tensor<4xf32> {nn.init = "ones", nn.name = "w", nn.role = "param"}
// CHECK-SAME:    %[[STEP:[a-z0-9]+]]: tensor<f32> {nn.init = "zeros", nn.name = "opt.step", nn.role = "state"}
// CHECK-SAME:    %[[MW:[a-z0-9]+]]: tensor<4xf32> {nn.init = "zeros", nn.name = "opt.m.w", nn.role = "state"}
// CHECK-SAME:    %[[VW:[a-z0-9]+]]: tensor<4xf32> {nn.init = "zeros", nn.name = "opt.v.w", nn.role = "state"}
// CHECK-SAME:    nn.name = "opt.m.v"
// CHECK-SAME:    nn.name = "opt.v.v"
// CHECK:         %[[T:.*]] = nn.add %[[STEP]]
// lr * weight_decay = 0.001: w is scaled by 0.999 first.
// CHECK:         %[[C:.*]] = nn.constant dense<9.990000e-01>
// CHECK:         %[[BASE:.*]] = nn.mul %[[C]], %[[W]]
// CHECK:         nn.mul %{{.*}}, %[[MW]]
// CHECK:         nn.mul %{{.*}}, %[[VW]]
// 1 - beta1^t = -expm1(t ln beta1): Taylor's series to x^8 for x > -1/2,
// 1 - exp(x) below (see Ops::oneMinusPow).
// CHECK:         %[[X1:.*]] = nn.mul %[[T]], %{{.*}} : tensor<f32>, tensor<f32>
// CHECK:         %[[K8:.*]] = nn.constant dense<1.250000e-01>
// CHECK-NEXT:    nn.mul %[[X1]], %[[K8]]
// CHECK-COUNT-5: nn.constant
// CHECK:         %[[K2:.*]] = nn.constant dense<5.000000e-01>
// CHECK-NEXT:    %[[XK2:.*]] = nn.mul %[[X1]], %[[K2]]
// CHECK-NEXT:    %[[T2:.*]] = nn.mul %[[XK2]], %{{.*}}
// CHECK-NEXT:    %[[S:.*]] = nn.add %{{.*}}, %[[T2]]
// CHECK-NEXT:    %[[SMALL:.*]] = nn.mul %[[X1]], %[[S]]
// CHECK-NEXT:    %[[U1:.*]] = nn.exp %[[X1]]
// CHECK-NEXT:    %[[BIG:.*]] = nn.sub %[[U1]]
// CHECK-NEXT:    nn.constant dense<-5.000000e-01>
// CHECK-NEXT:    %[[GT:.*]] = nn.compare "gt", %[[X1]]
// CHECK-NEXT:    %[[E1:.*]] = nn.where %[[GT]], %[[SMALL]], %[[BIG]]
// CHECK-NEXT:    %[[BC1:.*]] = nn.neg %[[E1]]
// CHECK:         nn.div %{{.*}}, %[[BC1]]
// CHECK:         nn.exp
// CHECK:         %[[BC2:.*]] = nn.neg
// CHECK-NEXT:    nn.sqrt %[[BC2]]
// CHECK-NOT:     nn.exp
// CHECK:         nn.sub %[[BASE]]
// CHECK:         return

// -----

// A training dropout draws from (seed, t) with t = opt.step + 1, so each step
// has a new mask; its gradient uses the same t.
module attributes {nn.model = "d", nn.train = {loss = "loss", lr = 1.000000e-01 : f64, optimizer = "sgd"}} {
  func.func @loss(%x: tensor<?x4xf32> {nn.name = "x", nn.role = "input"}, %w: tensor<4xf32> {nn.init = "ones", nn.name = "w", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.mul %x, %w : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
    %1 = nn.dropout %0 {p = 5.000000e-01 : f64, seed = 7 : i64, training = true} : tensor<?x4xf32> -> tensor<?x4xf32>
    %2 = nn.sum %1 {axes = array<i64: 0, 1>, keepdims = false} : tensor<?x4xf32> -> tensor<f32>
    return %2 : tensor<f32>
  }
}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME:    %[[STEP:[a-z0-9]+]]: tensor<f32> {nn.init = "zeros", nn.name = "opt.step", nn.role = "state"}
// CHECK:         %[[T:.*]] = nn.add %[[STEP]], %{{.*}} : tensor<f32>, tensor<f32> -> tensor<f32>
// CHECK:         nn.dropout %{{.*}}, %[[T]] {p = 5.000000e-01 : f64, seed = 7 : i64, training = true}
// CHECK:         nn.dropout %{{.*}}, %[[T]] {p = 5.000000e-01 : f64, seed = 7 : i64, training = true}
// CHECK:         return %{{.*}}, %[[T]], %{{.*}} :

// -----

// Narrow float params: the update is computed in f32 (the gradient, the
// param and the moments widened, each result rounded once); an f16 param's
// moments are f32 states (f16's range has neither eps = 1e-8 nor a squared
// gradient of 1e-4), a bf16 param's stay bf16.
module attributes {nn.model = "n", nn.train = {beta1 = 9.000000e-01 : f64, beta2 = 9.990000e-01 : f64, eps = 1.000000e-08 : f64, loss = "loss", lr = 1.000000e-02 : f64, optimizer = "adam", weight_decay = 0.000000e+00 : f64}} {
  func.func @loss(%x: tensor<?x4xf16> {nn.name = "x", nn.role = "input"}, %w: tensor<4xf16> {nn.init = "ones", nn.name = "w", nn.role = "param"}, %v: tensor<4xbf16> {nn.init = "ones", nn.name = "v", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}) {
    %0 = nn.mul %x, %w : tensor<?x4xf16>, tensor<4xf16> -> tensor<?x4xf16>
    %1 = nn.cast %0 {dtype = bf16} : tensor<?x4xf16> -> tensor<?x4xbf16>
    %2 = nn.mul %1, %v : tensor<?x4xbf16>, tensor<4xbf16> -> tensor<?x4xbf16>
    %3 = nn.cast %2 {dtype = f32} : tensor<?x4xbf16> -> tensor<?x4xf32>
    %4 = nn.sum %3 {axes = array<i64: 0, 1>, keepdims = false} : tensor<?x4xf32> -> tensor<f32>
    return %4 : tensor<f32>
  }
}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME:    %[[W:[a-z0-9]+]]: tensor<4xf16> {nn.init = "ones", nn.name = "w", nn.role = "param"}
// CHECK-SAME:    %[[V:[a-z0-9]+]]: tensor<4xbf16> {nn.init = "ones", nn.name = "v", nn.role = "param"}
// CHECK-SAME:    %[[MW:[a-z0-9]+]]: tensor<4xf32> {nn.init = "zeros", nn.name = "opt.m.w", nn.role = "state"}
// CHECK-SAME:    %[[VW:[a-z0-9]+]]: tensor<4xf32> {nn.init = "zeros", nn.name = "opt.v.w", nn.role = "state"}
// CHECK-SAME:    %[[MV:[a-z0-9]+]]: tensor<4xbf16> {nn.init = "zeros", nn.name = "opt.m.v", nn.role = "state"}
// CHECK-SAME:    %[[VV:[a-z0-9]+]]: tensor<4xbf16> {nn.init = "zeros", nn.name = "opt.v.v", nn.role = "state"}
// CHECK-SAME:  -> (tensor<f32> {nn.name = "loss"}, tensor<f32> {nn.name = "opt.step", nn.update = "opt.step"},
// CHECK-SAME:      tensor<4xf32> {nn.name = "opt.m.w", nn.update = "opt.m.w"}, tensor<4xf32> {nn.name = "opt.v.w", nn.update = "opt.v.w"},
// CHECK-SAME:      tensor<4xf16> {nn.name = "w", nn.update = "w"},
// CHECK-SAME:      tensor<4xbf16> {nn.name = "opt.m.v", nn.update = "opt.m.v"}, tensor<4xbf16> {nn.name = "opt.v.v", nn.update = "opt.v.v"},
// CHECK-SAME:      tensor<4xbf16> {nn.name = "v", nn.update = "v"})
// w: the f16 gradient and param widened; the moments are f32 already.
// CHECK:         %[[GW:.*]] = nn.cast %{{.*}} : tensor<4xf16> -> tensor<4xf32>
// CHECK-NEXT:    %[[PW:.*]] = nn.cast %[[W]] : tensor<4xf16> -> tensor<4xf32>
// CHECK:         nn.mul %{{.*}}, %[[MW]] : tensor<f32>, tensor<4xf32> -> tensor<4xf32>
// CHECK:         nn.mul %{{.*}}, %[[GW]] : tensor<f32>, tensor<4xf32> -> tensor<4xf32>
// CHECK:         nn.mul %{{.*}}, %[[VW]] : tensor<f32>, tensor<4xf32> -> tensor<4xf32>
// CHECK:         %[[EPS:.*]] = nn.constant dense<9.99999993E-9> : tensor<f32>
// CHECK:         nn.add %{{.*}}, %[[EPS]] : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
// CHECK:         %[[NW:.*]] = nn.sub %[[PW]], %{{.*}} : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
// CHECK-NEXT:    %[[NW16:.*]] = nn.cast %[[NW]] : tensor<4xf32> -> tensor<4xf16>
// v: the bf16 gradient, param and moments widened, the moments rounded back;
// one set of bias corrections (f32) serves both params.
// CHECK-NEXT:    nn.cast %{{.*}} : tensor<4xbf16> -> tensor<4xf32>
// CHECK-NEXT:    %[[PV:.*]] = nn.cast %[[V]] : tensor<4xbf16> -> tensor<4xf32>
// CHECK-NEXT:    nn.cast %[[MV]] : tensor<4xbf16> -> tensor<4xf32>
// CHECK:         nn.cast %[[VV]] : tensor<4xbf16> -> tensor<4xf32>
// CHECK-NOT:     nn.exp
// CHECK:         %[[NMV:.*]] = nn.cast %{{.*}} : tensor<4xf32> -> tensor<4xbf16>
// CHECK-NEXT:    %[[NVV:.*]] = nn.cast %{{.*}} : tensor<4xf32> -> tensor<4xbf16>
// CHECK-NOT:     nn.exp
// CHECK:         nn.sub %[[PV]], %{{.*}} : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
// CHECK-NEXT:    %[[NV:.*]] = nn.cast %{{.*}} : tensor<4xf32> -> tensor<4xbf16>
// CHECK-NEXT:    return %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[NW16]], %[[NMV]], %[[NVV]], %[[NV]] :
