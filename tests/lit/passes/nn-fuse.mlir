// nn-fuse: elementwise producers join the group of their consumer; a group of
// two or more ops becomes one nn.fusion region (one kernel). A producer used
// by two groups is recomputed in each when that reads fewer bytes; one used
// after the group as well is written as one more result of an elementwise
// group; a reduction is the root of its group; matmul stays alone.
// RUN: nnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(nn-fuse))' | FileCheck %s

// Bias + GELU + residual: one region, one result.
// CHECK-LABEL: func.func @bias_gelu_residual
// CHECK: %[[R:.*]] = nn.fusion {kind = "elementwise"} : tensor<?x64xf32> {
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.gelu
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.yield %{{.*}} : tensor<?x64xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %[[R]]
func.func @bias_gelu_residual(%x: tensor<?x64xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = nn.add %x, %b : tensor<?x64xf32>, tensor<64xf32> -> tensor<?x64xf32>
  %1 = nn.gelu %0 {approximate = "none"} : tensor<?x64xf32> -> tensor<?x64xf32>
  %2 = nn.add %1, %x : tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x64xf32>
  return %2 : tensor<?x64xf32>
}

// -----

// A value also returned is one more result of the elementwise group.
// CHECK-LABEL: func.func @two_results
// CHECK: %[[R:.*]]:2 = nn.fusion {kind = "elementwise"} : tensor<8x4xf32>, tensor<8x4xf32> {
// CHECK: nn.mul
// CHECK: nn.sub
// CHECK: nn.yield
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @two_results(%m: tensor<8x4xf32>, %g: tensor<8x4xf32>, %p: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %0 = nn.mul %m, %g : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %1 = nn.sub %p, %0 : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  return %0, %1 : tensor<8x4xf32>, tensor<8x4xf32>
}

// -----

// Softmax after nn-decompose: the reductions over the row join the
// elementwise ops of the same rows in one `row` group (one workgroup per row:
// the row is read once, m and s stay in the workgroup).
// CHECK-LABEL: func.func @softmax
// CHECK: %[[Y:.*]] = nn.fusion {kind = "row"} : tensor<?x10xf32> {
// CHECK-NEXT: nn.max %arg0
// CHECK-NEXT: nn.sub
// CHECK-NEXT: nn.exp
// CHECK-NEXT: nn.sum
// CHECK-NEXT: nn.div
// CHECK-NEXT: nn.yield
// CHECK: return %[[Y]]
func.func @softmax(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %m = nn.max %x {axes = array<i64: 1>, keepdims = true} : tensor<?x10xf32> -> tensor<?x1xf32>
  %d = nn.sub %x, %m : tensor<?x10xf32>, tensor<?x1xf32> -> tensor<?x10xf32>
  %e = nn.exp %d : tensor<?x10xf32> -> tensor<?x10xf32>
  %s = nn.sum %e {axes = array<i64: 1>, keepdims = true} : tensor<?x10xf32> -> tensor<?x1xf32>
  %y = nn.div %e, %s : tensor<?x10xf32>, tensor<?x1xf32> -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

// -----

// A matmul joins the group of its elementwise consumers of its result's
// shape: they are its epilogue (one kernel, nnc-gpu-tile-contraction).
// CHECK-LABEL: func.func @linear_relu
// CHECK: %[[G:.*]] = nn.fusion {kind = "contraction"} : tensor<?x4xf32> {
// CHECK-NEXT: %[[MM:.*]] = nn.matmul %arg0, %arg1
// CHECK-NEXT: nn.add %[[MM]], %arg2
// CHECK-NEXT: %[[R:.*]] = nn.relu
// CHECK-NEXT: nn.yield %[[R]]
// CHECK: return %[[G]]
func.func @linear_relu(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = nn.matmul %x, %w : tensor<?x8xf32>, tensor<8x4xf32> -> tensor<?x4xf32>
  %1 = nn.add %0, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %2 = nn.relu %1 : tensor<?x4xf32> -> tensor<?x4xf32>
  return %2 : tensor<?x4xf32>
}

// -----

// An op that feeds the matmul runs before its kernel, so it stays out of
// the group even where it also feeds the epilogue (%0); no cycle either.
// CHECK-LABEL: func.func @no_cycle
// CHECK: %[[E:.*]] = nn.exp %arg0
// CHECK-NEXT: nn.fusion {kind = "contraction"}
// CHECK-NEXT: %[[MM:.*]] = nn.matmul %[[E]], %arg0
// CHECK-NEXT: nn.add %[[E]], %[[MM]]
// CHECK-NEXT: nn.yield
func.func @no_cycle(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %0 = nn.exp %x : tensor<4x4xf32> -> tensor<4x4xf32>
  %1 = nn.matmul %0, %x : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %2 = nn.add %0, %1 : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  return %2 : tensor<4x4xf32>
}

// -----

// The matmul's result is also returned: the group yields it. A reduction
// consumer is no epilogue (the sum keeps its own group), nor is an
// elementwise group of another shape; a conv2d takes its bias and ReLU.
// CHECK-LABEL: func.func @epilogue_limits
// CHECK: %[[G:.*]]:2 = nn.fusion {kind = "contraction"} : tensor<4x4xf32>, tensor<4x4xf32> {
// CHECK-NEXT: %[[MM:.*]] = nn.matmul
// CHECK-NEXT: %[[T:.*]] = nn.tanh %[[MM]]
// CHECK-NEXT: nn.yield %[[MM]], %[[T]]
// CHECK: %[[M2:.*]] = nn.matmul %[[G]]#1, %arg0
// CHECK-NEXT: nn.sum %[[M2]]
// CHECK: nn.fusion {kind = "contraction"} : tensor<1x2x4x4xf32> {
// CHECK-NEXT: nn.conv2d
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.relu
func.func @epilogue_limits(%x: tensor<4x4xf32>, %img: tensor<1x1x4x4xf32>, %k: tensor<2x1x3x3xf32>, %kb: tensor<2x1x1xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<f32>, tensor<1x2x4x4xf32>) {
  %0 = nn.matmul %x, %x : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %1 = nn.tanh %0 : tensor<4x4xf32> -> tensor<4x4xf32>
  %2 = nn.matmul %1, %x : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %3 = nn.sum %2 {axes = array<i64: 0, 1>, keepdims = false} : tensor<4x4xf32> -> tensor<f32>
  %4 = nn.conv2d %img, %k {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32> -> tensor<1x2x4x4xf32>
  %5 = nn.add %4, %kb : tensor<1x2x4x4xf32>, tensor<2x1x1xf32> -> tensor<1x2x4x4xf32>
  %6 = nn.relu %5 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return %0, %1, %3, %6 : tensor<4x4xf32>, tensor<4x4xf32>, tensor<f32>, tensor<1x2x4x4xf32>
}

// -----

// layer_norm after nn-decompose, with the centred value also returned (as
// training keeps it for the backward pass): one row group that yields it;
// gamma and beta broadcast over the rows. The mean over all axes splits
// into a mean over each row, which joins the group (a last phase of the row
// kernel), and the mean of the row means after it.
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[R:.*]]:3 = nn.fusion {kind = "row"} : tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xf32> {
// CHECK-COUNT-2: nn.mean
// CHECK: nn.rsqrt
// CHECK: nn.mean %{{.*}} {axes = array<i64: 1>, keepdims = false}
// CHECK: nn.yield
// CHECK: %[[L:.*]] = nn.mean %[[R]]#2 {axes = array<i64: 0>, keepdims = false} : tensor<?xf32> -> tensor<f32>
// CHECK: return %[[R]]#1, %[[R]]#0, %[[L]]
func.func @layer_norm(%x: tensor<?x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>, tensor<f32>) {
  %m = nn.mean %x {axes = array<i64: 1>, keepdims = true} : tensor<?x16xf32> -> tensor<?x1xf32>
  %c = nn.sub %x, %m : tensor<?x16xf32>, tensor<?x1xf32> -> tensor<?x16xf32>
  %sq = nn.mul %c, %c : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %v = nn.mean %sq {axes = array<i64: 1>, keepdims = true} : tensor<?x16xf32> -> tensor<?x1xf32>
  %eps = nn.constant dense<1.0e-05> : tensor<f32>
  %ve = nn.add %v, %eps : tensor<?x1xf32>, tensor<f32> -> tensor<?x1xf32>
  %r = nn.rsqrt %ve : tensor<?x1xf32> -> tensor<?x1xf32>
  %n = nn.mul %c, %r : tensor<?x16xf32>, tensor<?x1xf32> -> tensor<?x16xf32>
  %gn = nn.mul %n, %g : tensor<?x16xf32>, tensor<16xf32> -> tensor<?x16xf32>
  %y = nn.add %gn, %b : tensor<?x16xf32>, tensor<16xf32> -> tensor<?x16xf32>
  %sq2 = nn.mul %y, %y : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %l = nn.mean %sq2 {axes = array<i64>, keepdims = false} : tensor<?x16xf32> -> tensor<f32>
  return %y, %c, %l : tensor<?x16xf32>, tensor<?x16xf32>, tensor<f32>
}

// -----

// Sibling reductions that do not depend on each other merge: the two column
// sums of layer_norm's backward (over the same rows, to the same shape) are
// one `reduction` group reading %t once; two means of the same rows are one
// `row` group. A sum that reads the other's result stays apart.
// CHECK-LABEL: func.func @sibling_reductions
// CHECK: %[[ROWS:.*]]:2 = nn.fusion {kind = "row"} : tensor<?x1xf32>, tensor<?x1xf32> {
// CHECK-COUNT-2: nn.mean
// CHECK: %[[COLS:.*]]:2 = nn.fusion {kind = "reduction"} : tensor<16xf32>, tensor<16xf32> {
// CHECK: nn.sum %arg1 {axes = array<i64: 0>
// CHECK: nn.sum %{{.*}} {axes = array<i64: 0>
// CHECK: nn.yield
// CHECK: nn.sum %[[COLS]]#{{[01]}} {axes = array<i64: 0>
func.func @sibling_reductions(%x: tensor<?x16xf32>, %t: tensor<?x16xf32>) -> (tensor<?x1xf32>, tensor<?x1xf32>, tensor<16xf32>, tensor<16xf32>, tensor<f32>) {
  %xt = nn.mul %x, %t : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %m1 = nn.mean %t {axes = array<i64: 1>, keepdims = true} : tensor<?x16xf32> -> tensor<?x1xf32>
  %m2 = nn.mean %xt {axes = array<i64: 1>, keepdims = true} : tensor<?x16xf32> -> tensor<?x1xf32>
  %s1 = nn.sum %t {axes = array<i64: 0>, keepdims = false} : tensor<?x16xf32> -> tensor<16xf32>
  %s2 = nn.sum %xt {axes = array<i64: 0>, keepdims = false} : tensor<?x16xf32> -> tensor<16xf32>
  %s3 = nn.sum %s2 {axes = array<i64: 0>, keepdims = false} : tensor<16xf32> -> tensor<f32>
  return %m1, %m2, %s1, %s2, %s3 : tensor<?x1xf32>, tensor<?x1xf32>, tensor<16xf32>, tensor<16xf32>, tensor<f32>
}

// -----

// Bias gradients beside weight gradients (a side sum: the sum of an input
// of a matmul or conv2d_grad_weight over exactly the axes it contracts)
// merge with no sibling: nnc-gpu-tile-contraction computes each in its
// contraction's kernel, which reads the input anyway. A column sum that no
// contraction reads that way still merges with a sibling.
// CHECK-LABEL: func.func @side_sums
// CHECK-DAG: nn.sum %arg1 {axes = array<i64: 0>, keepdims = false} : tensor<8x16xf32> -> tensor<16xf32>
// CHECK-DAG: nn.sum %arg2 {axes = array<i64: 0>, keepdims = false} : tensor<8x16xf32> -> tensor<16xf32>
// CHECK: nn.fusion {kind = "reduction"} : tensor<16xf32>, tensor<16xf32> {
// CHECK-NEXT: nn.sum %arg3 {axes = array<i64: 0>
// CHECK-NEXT: nn.sum %arg5 {axes = array<i64: 0>
// CHECK-NEXT: nn.yield
// CHECK: nn.sum %arg4 {axes = array<i64: 0, 2, 3>, keepdims = false}
// CHECK-NEXT: return
func.func @side_sums(%x: tensor<8x4xf32>, %dz1: tensor<8x16xf32>, %dz2: tensor<8x16xf32>, %t: tensor<8x16xf32>, %dy: tensor<2x3x4x4xf32>, %u: tensor<8x16xf32>, %img: tensor<2x1x4x4xf32>) -> (tensor<4x16xf32>, tensor<16xf32>, tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<3x1x3x3xf32>, tensor<3xf32>) {
  %xt = nn.transpose %x {perm = array<i64: 1, 0>} : tensor<8x4xf32> -> tensor<4x8xf32>
  %dw1 = nn.matmul %xt, %dz1 : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %db1 = nn.sum %dz1 {axes = array<i64: 0>, keepdims = false} : tensor<8x16xf32> -> tensor<16xf32>
  %dw2 = nn.matmul %xt, %dz2 : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %db2 = nn.sum %dz2 {axes = array<i64: 0>, keepdims = false} : tensor<8x16xf32> -> tensor<16xf32>
  %s1 = nn.sum %t {axes = array<i64: 0>, keepdims = false} : tensor<8x16xf32> -> tensor<16xf32>
  %s2 = nn.sum %u {axes = array<i64: 0>, keepdims = false} : tensor<8x16xf32> -> tensor<16xf32>
  %dwc = nn.conv2d_grad_weight %img, %dy {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<2x1x4x4xf32>, tensor<2x3x4x4xf32> -> tensor<3x1x3x3xf32>
  %dbc = nn.sum %dy {axes = array<i64: 0, 2, 3>, keepdims = false} : tensor<2x3x4x4xf32> -> tensor<3xf32>
  return %dw1, %db1, %dw2, %db2, %s1, %s2, %dwc, %dbc : tensor<4x16xf32>, tensor<16xf32>, tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<3x1x3x3xf32>, tensor<3xf32>
}

// -----

// A sum over every axis (no axes given, or all of them) splits into a sum
// over the trailing axes and one over the rows; a row reduction that reads a row group's values only
// directly joins that group (a later phase of the same row kernel): the
// softmax, the row sums of y * t and the mean of y are one row group, and
// the sum over rows stays apart.
// CHECK-LABEL: func.func @row_consumers
// CHECK: %[[G:.*]]:2 = nn.fusion {kind = "row"} : tensor<?xf32>, tensor<?x1xf32> {
// CHECK: nn.exp
// CHECK: nn.sum %{{.*}} {axes = array<i64: 1>, keepdims = false}
// CHECK: nn.mean %{{.*}} {axes = array<i64: 1>, keepdims = true}
// CHECK: nn.yield
// CHECK: nn.sum %[[G]]#0 {axes = array<i64: 0>, keepdims = false} : tensor<?xf32> -> tensor<f32>
func.func @row_consumers(%x: tensor<?x16xf32>, %t: tensor<?x16xf32>) -> (tensor<f32>, tensor<?x1xf32>) {
  %m = nn.max %x {axes = array<i64: 1>, keepdims = true} : tensor<?x16xf32> -> tensor<?x1xf32>
  %d = nn.sub %x, %m : tensor<?x16xf32>, tensor<?x1xf32> -> tensor<?x16xf32>
  %e = nn.exp %d : tensor<?x16xf32> -> tensor<?x16xf32>
  %s = nn.sum %e {axes = array<i64: 1>, keepdims = true} : tensor<?x16xf32> -> tensor<?x1xf32>
  %y = nn.div %e, %s : tensor<?x16xf32>, tensor<?x1xf32> -> tensor<?x16xf32>
  %yt = nn.mul %y, %t : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %l = nn.sum %yt {axes = array<i64>, keepdims = false} : tensor<?x16xf32> -> tensor<f32>
  %ym = nn.mean %y {axes = array<i64: 1>, keepdims = true} : tensor<?x16xf32> -> tensor<?x1xf32>
  return %l, %ym : tensor<f32>, tensor<?x1xf32>
}

// -----

// The max-pool gradient over windows that tile x (2x2, stride 2) is
// elementwise over x: it joins the ReLU mask after it, one kernel that
// reads y and dy and writes dx. Over overlapping windows (3x3, stride 2)
// it is no elementwise op and stays out; the mask's two users, independent
// groups of one shape, become one group (y is read once, one kernel).
// CHECK-LABEL: func.func @pool_grad_mask
// CHECK: %[[O:.*]] = nn.max_pool2d_grad %arg0, %arg2
// CHECK-NEXT: %[[G:.*]]:2 = nn.fusion {kind = "elementwise"} : tensor<?x4x8x8xf32>, tensor<?x4x8x8xf32> {
// CHECK-NEXT: %[[P:.*]] = nn.max_pool2d_grad %arg0, %arg1
// CHECK-NEXT: %[[M:.*]] = nn.compare "gt", %arg0
// CHECK-NEXT: %[[A:.*]] = nn.where %[[M]], %[[P]]
// CHECK-NEXT: %[[B:.*]] = nn.where %[[M]], %[[O]]
// CHECK-NEXT: nn.yield %[[A]], %[[B]]
// CHECK: return %[[G]]#0, %[[G]]#1
func.func @pool_grad_mask(%y: tensor<?x4x8x8xf32>, %dy: tensor<?x4x4x4xf32>, %dy3: tensor<?x4x4x4xf32>) -> (tensor<?x4x8x8xf32>, tensor<?x4x8x8xf32>) {
  %zero = nn.constant dense<0.0> : tensor<f32>
  %g = nn.max_pool2d_grad %y, %dy {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x4x8x8xf32>, tensor<?x4x4x4xf32> -> tensor<?x4x8x8xf32>
  %pos = nn.compare "gt", %y, %zero : tensor<?x4x8x8xf32>, tensor<f32> -> tensor<?x4x8x8xi1>
  %dx = nn.where %pos, %g, %zero : tensor<?x4x8x8xi1>, tensor<?x4x8x8xf32>, tensor<f32> -> tensor<?x4x8x8xf32>
  %o = nn.max_pool2d_grad %y, %dy3 {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x4x8x8xf32>, tensor<?x4x4x4xf32> -> tensor<?x4x8x8xf32>
  %dx3 = nn.where %pos, %o, %zero : tensor<?x4x8x8xi1>, tensor<?x4x8x8xf32>, tensor<f32> -> tensor<?x4x8x8xf32>
  return %dx, %dx3 : tensor<?x4x8x8xf32>, tensor<?x4x8x8xf32>
}

// -----

// Two elementwise groups of one shape, the later reading the earlier: the
// step count (also read by a group of another shape, so it cannot join one
// by itself) and the bias correction computed from it (read by five
// groups, too many to recompute in each) are one region, one kernel.
// CHECK-LABEL: func.func @scalar_chain
// CHECK: %[[S:.*]]:2 = nn.fusion {kind = "elementwise"} : tensor<f32>, tensor<f32> {
// CHECK-NEXT: nn.add %arg0
// CHECK-NEXT: nn.exp
// CHECK-NEXT: nn.neg
// CHECK-NEXT: nn.yield
// CHECK: nn.mul %arg1, %[[S]]#1
// CHECK: return %[[S]]#0
func.func @scalar_chain(%step: tensor<f32>, %a: tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %one = nn.constant dense<1.0> : tensor<f32>
  %t = nn.add %step, %one : tensor<f32>, tensor<f32> -> tensor<f32>
  %e = nn.exp %t : tensor<f32> -> tensor<f32>
  %c = nn.neg %e : tensor<f32> -> tensor<f32>
  %u1 = nn.mul %a, %c : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %u2 = nn.sub %a, %c : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %u3 = nn.add %a, %c : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %u4 = nn.div %a, %c : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %u5 = nn.maximum %a, %c : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %u6 = nn.mul %a, %t : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %u7 = nn.add %u6, %u5 : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %t, %u1, %u2, %u3, %u4, %u7 : tensor<f32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A full reduction (a loss) moves up to just after what it reads, here the
// top: the scalar work after it can then join the work before it.
// CHECK-LABEL: func.func @loss_first
// CHECK-NEXT: nn.fusion {kind = "reduction"} : tensor<f32> {
// CHECK: nn.sum
// CHECK: nn.fusion {kind = "elementwise"} : tensor<4xf32> {
// CHECK-NEXT: nn.exp
func.func @loss_first(%x: tensor<8x4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<f32>) {
  %e = nn.exp %y : tensor<4xf32> -> tensor<4xf32>
  %n = nn.neg %e : tensor<4xf32> -> tensor<4xf32>
  %sq = nn.mul %x, %x : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %s = nn.sum %sq {axes = array<i64>, keepdims = false} : tensor<8x4xf32> -> tensor<f32>
  return %n, %s : tensor<4xf32>, tensor<f32>
}

// -----

// A full reduction whose users are all 0-d elementwise ops in one group
// (cross-entropy's mean and its negation) leads that group: one region,
// the negation after the mean.
// CHECK-LABEL: func.func @loss_negation
// CHECK: %[[L:.*]] = nn.fusion {kind = "reduction"} : tensor<f32> {
// CHECK-NEXT: nn.mean %arg0
// CHECK-NEXT: nn.neg
// CHECK-NEXT: nn.mul
// CHECK-NEXT: nn.yield
// CHECK: return %[[L]]
func.func @loss_negation(%x: tensor<8xf32>) -> tensor<f32> {
  %two = nn.constant dense<2.0> : tensor<f32>
  %m = nn.mean %x {axes = array<i64>, keepdims = false} : tensor<8xf32> -> tensor<f32>
  %n = nn.neg %m : tensor<f32> -> tensor<f32>
  %l = nn.mul %n, %two : tensor<f32>, tensor<f32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A value read by two independent groups of its shape (an optimizer moment
// computed in f32 for a bf16 param: rounded into its state, and read by the
// param's update) joins them as one group, which writes both results: one
// kernel that reads the gradient and the moment once, not the moment
// recomputed in two kernels.
// CHECK-LABEL: func.func @moment_two_users
// CHECK: %[[F:.*]]:2 = nn.fusion {kind = "elementwise"} : tensor<8xbf16>, tensor<8xbf16> {
// CHECK: %[[M:.*]] = nn.add
// CHECK-NEXT: %[[MS:.*]] = nn.cast %[[M]] : tensor<8xf32> -> tensor<8xbf16>
// CHECK: nn.sub %{{.*}}, %[[M]]
// CHECK: nn.yield %[[MS]], %{{.*}} : tensor<8xbf16>, tensor<8xbf16>
// CHECK-NOT: nn.fusion
// CHECK: return %[[F]]#0, %[[F]]#1
func.func @moment_two_users(%g: tensor<8xbf16>, %m: tensor<8xbf16>, %p: tensor<8xbf16>) -> (tensor<8xbf16>, tensor<8xbf16>) {
  %c = nn.constant dense<0.9> : tensor<f32>
  %gw = nn.cast %g : tensor<8xbf16> -> tensor<8xf32>
  %mw = nn.cast %m : tensor<8xbf16> -> tensor<8xf32>
  %m1 = nn.mul %mw, %c : tensor<8xf32>, tensor<f32> -> tensor<8xf32>
  %m2 = nn.add %m1, %gw : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %ms = nn.cast %m2 : tensor<8xf32> -> tensor<8xbf16>
  %pw = nn.cast %p : tensor<8xbf16> -> tensor<8xf32>
  %u = nn.sub %pw, %m2 : tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  %pn = nn.cast %u : tensor<8xf32> -> tensor<8xbf16>
  return %ms, %pn : tensor<8xbf16>, tensor<8xbf16>
}

// -----

// Not where one user group depends on the other (b reads a column sum of
// a): the two stay apart and each recomputes exp(x).
// CHECK-LABEL: func.func @dependent_users
// CHECK: %[[A:.*]] = nn.fusion {kind = "elementwise"} : tensor<8x4xf32> {
// CHECK-NEXT: nn.exp %arg0
// CHECK-NEXT: nn.neg
// CHECK: %[[S:.*]] = nn.sum %[[A]]
// CHECK-NEXT: nn.fusion {kind = "elementwise"} : tensor<8x4xf32> {
// CHECK-NEXT: %[[E:.*]] = nn.exp %arg0
// CHECK-NEXT: nn.add %[[E]], %[[S]]
func.func @dependent_users(%x: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %e = nn.exp %x : tensor<8x4xf32> -> tensor<8x4xf32>
  %a = nn.neg %e : tensor<8x4xf32> -> tensor<8x4xf32>
  %s = nn.sum %a {axes = array<i64: 0>, keepdims = false} : tensor<8x4xf32> -> tensor<4xf32>
  %b = nn.add %e, %s : tensor<8x4xf32>, tensor<4xf32> -> tensor<8x4xf32>
  return %a, %b : tensor<8x4xf32>, tensor<8x4xf32>
}

// -----

// Two groups that each read a matmul (epilogues) stay apart when a value
// reads both: each matmul keeps its epilogue, exp(b) is computed in each.
// CHECK-LABEL: func.func @two_epilogues
// CHECK: nn.fusion {kind = "contraction"} : tensor<?x16xf32> {
// CHECK-NEXT: nn.matmul %arg0, %arg2
// CHECK-NEXT: nn.exp %arg1
// CHECK: nn.fusion {kind = "contraction"} : tensor<?x16xf32> {
// CHECK-NEXT: nn.matmul %arg0, %arg3
// CHECK-NEXT: nn.exp %arg1
func.func @two_epilogues(%a: tensor<?x16xf32>, %b: tensor<?x16xf32>, %w1: tensor<16x16xf32>, %w2: tensor<16x16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  %c1 = nn.matmul %a, %w1 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %c2 = nn.matmul %a, %w2 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %p = nn.exp %b : tensor<?x16xf32> -> tensor<?x16xf32>
  %r = nn.relu %c1 : tensor<?x16xf32> -> tensor<?x16xf32>
  %y1 = nn.mul %r, %p : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %t = nn.tanh %c2 : tensor<?x16xf32> -> tensor<?x16xf32>
  %y2 = nn.add %t, %p : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  return %y1, %y2 : tensor<?x16xf32>, tensor<?x16xf32>
}

// -----

// A merged group holds two chains that no value links (sigmoid(z) + s and
// sigmoid(z) - y): paths between groups run through every op of a group,
// so the sum of x, which the first chain reads, cannot join the column sum
// that the second chain feeds (one reduction kernel both before and after
// the elementwise one: a cycle, which nn-fuse reported as an error).
// CHECK-LABEL: func.func @chains_and_sums
// CHECK: %[[S:.*]] = nn.sum %arg0
// CHECK-NEXT: %[[E:.*]]:2 = nn.fusion {kind = "elementwise"}
// CHECK: nn.fusion {kind = "reduction"}
// CHECK-NEXT: nn.mul %arg3, %[[E]]#1
func.func @chains_and_sums(%x: tensor<?x16xf32>, %z: tensor<?x16xf32>, %y: tensor<?x16xf32>, %g: tensor<?x16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>, tensor<16xf32>) {
  %s = nn.sum %x {axes = array<i64: 0>, keepdims = false} : tensor<?x16xf32> -> tensor<16xf32>
  %a = nn.sigmoid %z : tensor<?x16xf32> -> tensor<?x16xf32>
  %u = nn.add %a, %s : tensor<?x16xf32>, tensor<16xf32> -> tensor<?x16xf32>
  %d = nn.sub %a, %y : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %m = nn.mul %g, %d : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %r = nn.sum %m {axes = array<i64: 0>, keepdims = false} : tensor<?x16xf32> -> tensor<16xf32>
  return %u, %d, %r : tensor<?x16xf32>, tensor<?x16xf32>, tensor<16xf32>
}

// -----

// Two merges of chains (exp(x) read by a and b, tanh(z) by c1 and c2) whose
// groups would reach each other through the column sums: the second merge
// is undone (exp(x) computed in both of its groups).
// CHECK-LABEL: func.func @merges_in_a_ring
// CHECK: nn.fusion {kind = "elementwise"} : tensor<?x16xf32> {
// CHECK-NEXT: nn.exp %arg0
// CHECK: nn.sum
// CHECK: nn.fusion {kind = "elementwise"} : tensor<?x16xf32>, tensor<?x16xf32> {
// CHECK-NEXT: nn.tanh %arg2
// CHECK: nn.sum
// CHECK: nn.fusion {kind = "elementwise"} : tensor<?x16xf32> {
// CHECK-NEXT: nn.exp %arg0
func.func @merges_in_a_ring(%x: tensor<?x16xf32>, %y: tensor<?x16xf32>, %z: tensor<?x16xf32>, %w: tensor<?x16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>) {
  %p = nn.exp %x : tensor<?x16xf32> -> tensor<?x16xf32>
  %a = nn.add %p, %y : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %sa = nn.sum %a {axes = array<i64: 0>, keepdims = false} : tensor<?x16xf32> -> tensor<16xf32>
  %q = nn.tanh %z : tensor<?x16xf32> -> tensor<?x16xf32>
  %c1 = nn.mul %q, %sa : tensor<?x16xf32>, tensor<16xf32> -> tensor<?x16xf32>
  %c2 = nn.sub %q, %w : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %sc = nn.sum %c2 {axes = array<i64: 0>, keepdims = false} : tensor<?x16xf32> -> tensor<16xf32>
  %b = nn.mul %p, %sc : tensor<?x16xf32>, tensor<16xf32> -> tensor<?x16xf32>
  return %c1, %b, %a, %c2 : tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>
}

// -----

// A join whose path back into the group leaves the group's span: x - z
// would join its latest user's group (tanh(v2 * v3)), but its square's mean
// scales v3 in the matmul's epilogue, which that group reads. The walk that
// checks it used to stop at ops after the group's root (the mean, the
// epilogue) and missed the path: the groups formed a cycle and the last
// guard dissolved the matmul's epilogue group (random model seed 10). Now
// the join is refused and every group keeps its fusion.
// CHECK-LABEL: func.func @span_back
// CHECK: %[[D:.*]] = nn.sub %arg0, %arg1
// CHECK: %[[M:.*]] = nn.fusion {kind = "reduction"}
// CHECK: nn.fusion {kind = "contraction"}
// CHECK-NEXT: nn.matmul %arg0, %arg2
// CHECK-NEXT: nn.mul %{{.*}}, %[[M]]
// CHECK: nn.fusion {kind = "elementwise"}
// CHECK-NEXT: nn.mul %[[D]]
// CHECK-NEXT: nn.tanh
func.func @span_back(%x: tensor<?x16xf32>, %z: tensor<?x16xf32>, %w3: tensor<16x16xf32>, %w7: tensor<16x16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>) {
  %v2 = nn.sub %x, %z : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %v3 = nn.matmul %x, %w3 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %v7 = nn.mul %v2, %v2 : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %v8 = nn.mul %v2, %v3 : tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x16xf32>
  %v9 = nn.tanh %v8 : tensor<?x16xf32> -> tensor<?x16xf32>
  %v10 = nn.mean %v7 {axes = array<i64: 0, 1>, keepdims = false} : tensor<?x16xf32> -> tensor<f32>
  %v12 = nn.matmul %v2, %w7 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %v14 = nn.mul %v3, %v10 : tensor<?x16xf32>, tensor<f32> -> tensor<?x16xf32>
  return %v9, %v12, %v14 : tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>
}
