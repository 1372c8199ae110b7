// nn-decompose: each composite op becomes primitive nn ops, dynamic dims and
// every float dtype included; the replacement keeps the declared result type.
// RUN: nnc-opt %s --nn-decompose | FileCheck %s

// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
// CHECK-NEXT: %[[M:.*]] = nn.max %[[X]] {axes = array<i64: 1>, keepdims = true} : tensor<?x10xf32> -> tensor<?x1xf32>
// CHECK-NEXT: %[[D:.*]] = nn.sub %[[X]], %[[M]] : tensor<?x10xf32>, tensor<?x1xf32> -> tensor<?x10xf32>
// CHECK-NEXT: %[[E:.*]] = nn.exp %[[D]] : tensor<?x10xf32> -> tensor<?x10xf32>
// CHECK-NEXT: %[[S:.*]] = nn.sum %[[E]] {axes = array<i64: 1>, keepdims = true} : tensor<?x10xf32> -> tensor<?x1xf32>
// CHECK-NEXT: %[[P:.*]] = nn.div %[[E]], %[[S]] : tensor<?x10xf32>, tensor<?x1xf32> -> tensor<?x10xf32>
// CHECK-NEXT: return %[[P]]
func.func @softmax(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = nn.softmax %x {axis = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// A declared result more static than the operand stays on the last op.
// CHECK-LABEL: func.func @softmax_declared_static
// CHECK: nn.max %{{.*}} {axes = array<i64: 0>, keepdims = true} : tensor<?x10xf32> -> tensor<1x10xf32>
// CHECK: %[[P:.*]] = nn.div %{{.*}}, %{{.*}} : tensor<?x10xf32>, tensor<1x10xf32> -> tensor<4x10xf32>
// CHECK-NEXT: return %[[P]] : tensor<4x10xf32>
func.func @softmax_declared_static(%x: tensor<?x10xf32>) -> tensor<4x10xf32> {
  %0 = nn.softmax %x {axis = 0 : i64} : tensor<?x10xf32> -> tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// CHECK-LABEL: func.func @log_softmax_f16
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x8xf16>)
// CHECK-NEXT: %[[M:.*]] = nn.max %[[X]] {axes = array<i64: 2>, keepdims = true} : tensor<2x?x8xf16> -> tensor<2x?x1xf16>
// CHECK-NEXT: %[[D:.*]] = nn.sub %[[X]], %[[M]] : tensor<2x?x8xf16>, tensor<2x?x1xf16> -> tensor<2x?x8xf16>
// CHECK-NEXT: %[[E:.*]] = nn.exp %[[D]] : tensor<2x?x8xf16> -> tensor<2x?x8xf16>
// CHECK-NEXT: %[[S:.*]] = nn.sum %[[E]] {axes = array<i64: 2>, keepdims = true} : tensor<2x?x8xf16> -> tensor<2x?x1xf16>
// CHECK-NEXT: %[[L:.*]] = nn.log %[[S]] : tensor<2x?x1xf16> -> tensor<2x?x1xf16>
// CHECK-NEXT: %[[R:.*]] = nn.sub %[[D]], %[[L]] : tensor<2x?x8xf16>, tensor<2x?x1xf16> -> tensor<2x?x8xf16>
// CHECK-NEXT: return %[[R]]
func.func @log_softmax_f16(%x: tensor<2x?x8xf16>) -> tensor<2x?x8xf16> {
  %0 = nn.log_softmax %x {axis = 2 : i64} : tensor<2x?x8xf16> -> tensor<2x?x8xf16>
  return %0 : tensor<2x?x8xf16>
}

// Mean and biased variance over axes 1 and 2; eps is a 0-d bf16 constant.
// CHECK-LABEL: func.func @layer_norm_bf16
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x8xbf16>, %[[G:.*]]: tensor<4x8xbf16>, %[[B:.*]]: tensor<4x8xbf16>)
// CHECK-NEXT: %[[MEAN:.*]] = nn.mean %[[X]] {axes = array<i64: 1, 2>, keepdims = true} : tensor<?x4x8xbf16> -> tensor<?x1x1xbf16>
// CHECK-NEXT: %[[C:.*]] = nn.sub %[[X]], %[[MEAN]] : tensor<?x4x8xbf16>, tensor<?x1x1xbf16> -> tensor<?x4x8xbf16>
// CHECK-NEXT: %[[SQ:.*]] = nn.mul %[[C]], %[[C]] : tensor<?x4x8xbf16>, tensor<?x4x8xbf16> -> tensor<?x4x8xbf16>
// CHECK-NEXT: %[[VAR:.*]] = nn.mean %[[SQ]] {axes = array<i64: 1, 2>, keepdims = true} : tensor<?x4x8xbf16> -> tensor<?x1x1xbf16>
// CHECK-NEXT: %[[EPS:.*]] = nn.constant dense<1.001360e-05> : tensor<bf16>
// CHECK-NEXT: %[[VE:.*]] = nn.add %[[VAR]], %[[EPS]] : tensor<?x1x1xbf16>, tensor<bf16> -> tensor<?x1x1xbf16>
// CHECK-NEXT: %[[INV:.*]] = nn.rsqrt %[[VE]] : tensor<?x1x1xbf16> -> tensor<?x1x1xbf16>
// CHECK-NEXT: %[[N:.*]] = nn.mul %[[C]], %[[INV]] : tensor<?x4x8xbf16>, tensor<?x1x1xbf16> -> tensor<?x4x8xbf16>
// CHECK-NEXT: %[[NG:.*]] = nn.mul %[[N]], %[[G]] : tensor<?x4x8xbf16>, tensor<4x8xbf16> -> tensor<?x4x8xbf16>
// CHECK-NEXT: %[[Y:.*]] = nn.add %[[NG]], %[[B]] : tensor<?x4x8xbf16>, tensor<4x8xbf16> -> tensor<?x4x8xbf16>
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm_bf16(%x: tensor<?x4x8xbf16>, %g: tensor<4x8xbf16>, %b: tensor<4x8xbf16>) -> tensor<?x4x8xbf16> {
  %0 = nn.layer_norm %x, %g, %b {axis = 1 : i64, eps = 1.0e-05 : f64} : tensor<?x4x8xbf16>, tensor<4x8xbf16>, tensor<4x8xbf16> -> tensor<?x4x8xbf16>
  return %0 : tensor<?x4x8xbf16>
}

// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x64xf32>, %[[G:.*]]: tensor<64xf32>)
// CHECK-NEXT: %[[SQ:.*]] = nn.mul %[[X]], %[[X]] : tensor<2x?x64xf32>, tensor<2x?x64xf32> -> tensor<2x?x64xf32>
// CHECK-NEXT: %[[MS:.*]] = nn.mean %[[SQ]] {axes = array<i64: 2>, keepdims = true} : tensor<2x?x64xf32> -> tensor<2x?x1xf32>
// CHECK-NEXT: %[[EPS:.*]] = nn.constant dense<9.99999997E-7> : tensor<f32>
// CHECK-NEXT: %[[ME:.*]] = nn.add %[[MS]], %[[EPS]] : tensor<2x?x1xf32>, tensor<f32> -> tensor<2x?x1xf32>
// CHECK-NEXT: %[[INV:.*]] = nn.rsqrt %[[ME]] : tensor<2x?x1xf32> -> tensor<2x?x1xf32>
// CHECK-NEXT: %[[N:.*]] = nn.mul %[[X]], %[[INV]] : tensor<2x?x64xf32>, tensor<2x?x1xf32> -> tensor<2x?x64xf32>
// CHECK-NEXT: %[[Y:.*]] = nn.mul %[[N]], %[[G]] : tensor<2x?x64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @rms_norm(%x: tensor<2x?x64xf32>, %g: tensor<64xf32>) -> tensor<2x?x64xf32> {
  %0 = nn.rms_norm %x, %g {axis = 2 : i64, eps = 1.0e-06 : f64} : tensor<2x?x64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
  return %0 : tensor<2x?x64xf32>
}

// Running statistics; the [C] operands become [C, 1, 1] to broadcast over
// H and W.
// CHECK-LABEL: func.func @batch_norm_inference
// CHECK-SAME: (%[[X:.*]]: tensor<?x16x8x8xf32>, %[[G:.*]]: tensor<16xf32>, %[[B:.*]]: tensor<16xf32>, %[[M:.*]]: tensor<16xf32>, %[[V:.*]]: tensor<16xf32>)
// CHECK-NEXT: %[[M3:.*]] = nn.reshape %[[M]] {shape = array<i64: -1, 1, 1>} : tensor<16xf32> -> tensor<16x1x1xf32>
// CHECK-NEXT: %[[C:.*]] = nn.sub %[[X]], %[[M3]] : tensor<?x16x8x8xf32>, tensor<16x1x1xf32> -> tensor<?x16x8x8xf32>
// CHECK-NEXT: %[[V3:.*]] = nn.reshape %[[V]] {shape = array<i64: -1, 1, 1>} : tensor<16xf32> -> tensor<16x1x1xf32>
// CHECK-NEXT: %[[EPS:.*]] = nn.constant dense<9.99999974E-6> : tensor<f32>
// CHECK-NEXT: %[[VE:.*]] = nn.add %[[V3]], %[[EPS]] : tensor<16x1x1xf32>, tensor<f32> -> tensor<16x1x1xf32>
// CHECK-NEXT: %[[INV:.*]] = nn.rsqrt %[[VE]] : tensor<16x1x1xf32> -> tensor<16x1x1xf32>
// CHECK-NEXT: %[[N:.*]] = nn.mul %[[C]], %[[INV]] : tensor<?x16x8x8xf32>, tensor<16x1x1xf32> -> tensor<?x16x8x8xf32>
// CHECK-NEXT: %[[G3:.*]] = nn.reshape %[[G]] {shape = array<i64: -1, 1, 1>} : tensor<16xf32> -> tensor<16x1x1xf32>
// CHECK-NEXT: %[[NG:.*]] = nn.mul %[[N]], %[[G3]] : tensor<?x16x8x8xf32>, tensor<16x1x1xf32> -> tensor<?x16x8x8xf32>
// CHECK-NEXT: %[[B3:.*]] = nn.reshape %[[B]] {shape = array<i64: -1, 1, 1>} : tensor<16xf32> -> tensor<16x1x1xf32>
// CHECK-NEXT: %[[Y:.*]] = nn.add %[[NG]], %[[B3]] : tensor<?x16x8x8xf32>, tensor<16x1x1xf32> -> tensor<?x16x8x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @batch_norm_inference(%x: tensor<?x16x8x8xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>, %m: tensor<16xf32>, %v: tensor<16xf32>) -> tensor<?x16x8x8xf32> {
  %0 = nn.batch_norm %x, %g, %b, %m, %v {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = false} : tensor<?x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32> -> tensor<?x16x8x8xf32>
  return %0 : tensor<?x16x8x8xf32>
}

// Batch statistics over every axis but the channels; the running ones are
// unused.
// CHECK-LABEL: func.func @batch_norm_training
// CHECK-SAME: (%[[X:.*]]: tensor<?x16x8x8xf32>, %[[G:.*]]: tensor<16xf32>, %[[B:.*]]: tensor<16xf32>, %[[M:.*]]: tensor<16xf32>, %[[V:.*]]: tensor<16xf32>)
// CHECK-NEXT: %[[MEAN:.*]] = nn.mean %[[X]] {axes = array<i64: 0, 2, 3>, keepdims = true} : tensor<?x16x8x8xf32> -> tensor<1x16x1x1xf32>
// CHECK-NEXT: %[[C:.*]] = nn.sub %[[X]], %[[MEAN]] : tensor<?x16x8x8xf32>, tensor<1x16x1x1xf32> -> tensor<?x16x8x8xf32>
// CHECK-NEXT: %[[SQ:.*]] = nn.mul %[[C]], %[[C]]
// CHECK-NEXT: %[[VAR:.*]] = nn.mean %[[SQ]] {axes = array<i64: 0, 2, 3>, keepdims = true} : tensor<?x16x8x8xf32> -> tensor<1x16x1x1xf32>
// CHECK-NEXT: %[[EPS:.*]] = nn.constant dense<9.99999974E-6> : tensor<f32>
// CHECK-NEXT: %[[VE:.*]] = nn.add %[[VAR]], %[[EPS]]
// CHECK-NEXT: %[[INV:.*]] = nn.rsqrt %[[VE]] : tensor<1x16x1x1xf32> -> tensor<1x16x1x1xf32>
// CHECK-NEXT: %[[N:.*]] = nn.mul %[[C]], %[[INV]]
// CHECK-NEXT: %[[G3:.*]] = nn.reshape %[[G]] {shape = array<i64: -1, 1, 1>}
// CHECK-NEXT: %[[NG:.*]] = nn.mul %[[N]], %[[G3]]
// CHECK-NEXT: %[[B3:.*]] = nn.reshape %[[B]] {shape = array<i64: -1, 1, 1>}
// CHECK-NEXT: %[[Y:.*]] = nn.add %[[NG]], %[[B3]] : tensor<?x16x8x8xf32>, tensor<16x1x1xf32> -> tensor<?x16x8x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @batch_norm_training(%x: tensor<?x16x8x8xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>, %m: tensor<16xf32>, %v: tensor<16xf32>) -> tensor<?x16x8x8xf32> {
  %0 = nn.batch_norm %x, %g, %b, %m, %v {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = true} : tensor<?x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32> -> tensor<?x16x8x8xf32>
  return %0 : tensor<?x16x8x8xf32>
}

// [N, C] needs no reshape: [C] already broadcasts; a dynamic C is fine.
// CHECK-LABEL: func.func @batch_norm_rank2_f16
// CHECK-SAME: (%[[X:.*]]: tensor<?x?xf16>, %[[G:.*]]: tensor<?xf16>, %[[B:.*]]: tensor<?xf16>, %[[M:.*]]: tensor<?xf16>, %[[V:.*]]: tensor<?xf16>)
// CHECK-NEXT: %[[C:.*]] = nn.sub %[[X]], %[[M]] : tensor<?x?xf16>, tensor<?xf16> -> tensor<?x?xf16>
// CHECK-NEXT: %[[EPS:.*]] = nn.constant dense<1.000400e-03> : tensor<f16>
// CHECK-NEXT: %[[VE:.*]] = nn.add %[[V]], %[[EPS]] : tensor<?xf16>, tensor<f16> -> tensor<?xf16>
// CHECK-NEXT: %[[INV:.*]] = nn.rsqrt %[[VE]]
// CHECK-NEXT: %[[N:.*]] = nn.mul %[[C]], %[[INV]]
// CHECK-NEXT: %[[NG:.*]] = nn.mul %[[N]], %[[G]]
// CHECK-NEXT: %[[Y:.*]] = nn.add %[[NG]], %[[B]] : tensor<?x?xf16>, tensor<?xf16> -> tensor<?x?xf16>
// CHECK-NEXT: return %[[Y]]
func.func @batch_norm_rank2_f16(%x: tensor<?x?xf16>, %g: tensor<?xf16>, %b: tensor<?xf16>, %m: tensor<?xf16>, %v: tensor<?xf16>) -> tensor<?x?xf16> {
  %0 = nn.batch_norm %x, %g, %b, %m, %v {eps = 1.0e-03 : f64, momentum = 1.0e-01 : f64, training = false} : tensor<?x?xf16>, tensor<?xf16>, tensor<?xf16>, tensor<?xf16>, tensor<?xf16> -> tensor<?x?xf16>
  return %0 : tensor<?x?xf16>
}

// CHECK-LABEL: func.func @mse
// CHECK-SAME: (%[[P:.*]]: tensor<?x1xf32>, %[[T:.*]]: tensor<?x1xf32>)
// CHECK-NEXT: %[[D:.*]] = nn.sub %[[P]], %[[T]] : tensor<?x1xf32>, tensor<?x1xf32> -> tensor<?x1xf32>
// CHECK-NEXT: %[[SQ:.*]] = nn.mul %[[D]], %[[D]] : tensor<?x1xf32>, tensor<?x1xf32> -> tensor<?x1xf32>
// CHECK-NEXT: %[[L:.*]] = nn.mean %[[SQ]] {axes = array<i64>, keepdims = false} : tensor<?x1xf32> -> tensor<f32>
// CHECK-NEXT: return %[[L]]
func.func @mse(%p: tensor<?x1xf32>, %t: tensor<?x1xf32>) -> tensor<f32> {
  %0 = nn.mse %p, %t : tensor<?x1xf32>, tensor<?x1xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// The one-hot compares the labels against a constant [0, C) of their dtype.
// CHECK-LABEL: func.func @cross_entropy
// CHECK-SAME: (%[[LG:.*]]: tensor<?x4xf32>, %[[Y:.*]]: tensor<?xi32>)
// CHECK-NEXT: %[[IOTA:.*]] = nn.constant dense<[0, 1, 2, 3]> : tensor<4xi32>
// CHECK-NEXT: %[[COL:.*]] = nn.reshape %[[Y]] {shape = array<i64: -1, 1>} : tensor<?xi32> -> tensor<?x1xi32>
// CHECK-NEXT: %[[HIT:.*]] = nn.compare "eq", %[[COL]], %[[IOTA]] : tensor<?x1xi32>, tensor<4xi32> -> tensor<?x4xi1>
// CHECK-NEXT: %[[HOT:.*]] = nn.cast %[[HIT]] : tensor<?x4xi1> -> tensor<?x4xf32>
// CHECK-NEXT: %[[M:.*]] = nn.max %[[LG]] {axes = array<i64: 1>, keepdims = true} : tensor<?x4xf32> -> tensor<?x1xf32>
// CHECK-NEXT: %[[D:.*]] = nn.sub %[[LG]], %[[M]]
// CHECK-NEXT: %[[E:.*]] = nn.exp %[[D]]
// CHECK-NEXT: %[[S:.*]] = nn.sum %[[E]] {axes = array<i64: 1>, keepdims = true}
// CHECK-NEXT: %[[LS:.*]] = nn.log %[[S]]
// CHECK-NEXT: %[[LP:.*]] = nn.sub %[[D]], %[[LS]] : tensor<?x4xf32>, tensor<?x1xf32> -> tensor<?x4xf32>
// CHECK-NEXT: %[[PK:.*]] = nn.mul %[[HOT]], %[[LP]] : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
// CHECK-NEXT: %[[ROW:.*]] = nn.sum %[[PK]] {axes = array<i64: 1>, keepdims = false} : tensor<?x4xf32> -> tensor<?xf32>
// CHECK-NEXT: %[[MEAN:.*]] = nn.mean %[[ROW]] {axes = array<i64>, keepdims = false} : tensor<?xf32> -> tensor<f32>
// CHECK-NEXT: %[[L:.*]] = nn.neg %[[MEAN]] : tensor<f32> -> tensor<f32>
// CHECK-NEXT: return %[[L]]
func.func @cross_entropy(%l: tensor<?x4xf32>, %y: tensor<?xi32>) -> tensor<f32> {
  %0 = nn.cross_entropy %l, %y : tensor<?x4xf32>, tensor<?xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// CHECK-LABEL: func.func @cross_entropy_i64_bf16
// CHECK: nn.constant dense<[0, 1, 2]> : tensor<3xi64>
// CHECK: nn.cast %{{.*}} : tensor<5x3xi1> -> tensor<5x3xbf16>
// CHECK: nn.neg %{{.*}} : tensor<bf16> -> tensor<bf16>
// CHECK-NOT: nn.cross_entropy
func.func @cross_entropy_i64_bf16(%l: tensor<5x3xbf16>, %y: tensor<5xi64>) -> tensor<bf16> {
  %0 = nn.cross_entropy %l, %y : tensor<5x3xbf16>, tensor<5xi64> -> tensor<bf16>
  return %0 : tensor<bf16>
}

// With a dynamic class count there is no [0, C) constant to build: kept.
// CHECK-LABEL: func.func @cross_entropy_dynamic_classes_stays
// CHECK-NEXT: %[[L:.*]] = nn.cross_entropy
// CHECK-NEXT: return %[[L]]
func.func @cross_entropy_dynamic_classes_stays(%l: tensor<?x?xf32>, %y: tensor<?xi64>) -> tensor<f32> {
  %0 = nn.cross_entropy %l, %y : tensor<?x?xf32>, tensor<?xi64> -> tensor<f32>
  return %0 : tensor<f32>
}

// Activations are primitive: codegen has them.
// CHECK-LABEL: func.func @activations_stay
// CHECK-NEXT: nn.silu
// CHECK-NEXT: nn.sigmoid
// CHECK-NEXT: nn.gelu
// CHECK-NEXT: nn.rsqrt
// CHECK-NEXT: return
func.func @activations_stay(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = nn.silu %x : tensor<?x8xf32> -> tensor<?x8xf32>
  %1 = nn.sigmoid %0 : tensor<?x8xf32> -> tensor<?x8xf32>
  %2 = nn.gelu %1 {approximate = "none"} : tensor<?x8xf32> -> tensor<?x8xf32>
  %3 = nn.rsqrt %2 : tensor<?x8xf32> -> tensor<?x8xf32>
  return %3 : tensor<?x8xf32>
}

// An unused composite op is decomposed, not erased: dead code is left to
// nn-canonicalize.
// CHECK-LABEL: func.func @unused_mse_decomposed
// CHECK-NEXT: nn.sub
// CHECK-NEXT: nn.mul
// CHECK-NEXT: nn.mean
// CHECK-NEXT: return
func.func @unused_mse_decomposed(%p: tensor<3xf32>, %t: tensor<3xf32>) {
  %0 = nn.mse %p, %t : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
  return
}
