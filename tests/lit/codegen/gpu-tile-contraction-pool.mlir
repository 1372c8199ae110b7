// nnc-gpu-tile-contraction, pool epilogues: a 2x2, stride-2 max pool of
// what a convolution's kernel computes last (conv + bias + ReLU) runs in
// that kernel. Each thread owns 8 consecutive columns numbered window by
// window (image, pooled row, pooled column, then the 4 pixels row-major), so
// it folds each window's 4 values with the pool's body from the fill's
// -inf and stores the pooled value; the activation is stored only where
// another op reads it. The pool, its fill and (when unread) the activation
// go.
// RUN: nnc-opt %s --allow-unregistered-dialect --nnc-gpu-tile-contraction --canonicalize --cse | FileCheck %s
// RUN: nnc-opt %s --allow-unregistered-dialect --nnc-gpu-tile-contraction=pool-epilogues=false --canonicalize --cse | FileCheck %s --check-prefix=OFF

#id = affine_map<(n, c, h, w) -> (n, c, h, w)>
#chan = affine_map<(n, c, h, w) -> (c)>

// Inference: the activation is read by the pool alone, never stored.
// N = batch * 4 * 4 columns, M = 2 channels.
// CHECK-LABEL: func.func @conv_relu_pool
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: memref<?x1x6x6xf32>, %[[W:[a-z0-9_]+]]: memref<2x1x3x3xf32>, %[[B:[a-z0-9_]+]]: memref<2xf32>, %[[P:[a-z0-9_]+]]: memref<?x2x2x2xf32>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.
// CHECK: gpu.launch
// The first of a thread's columns: n0 + tx * 8, its window and pixel.
// CHECK: %[[TX8:[a-z0-9_]+]] = arith.muli %{{.*}}, %c8 : index
// CHECK: %[[COL:[a-z0-9_]+]] = arith.addi %{{.*}}, %[[TX8]] : index
// CHECK: %[[SAFE:[a-z0-9_]+]] = arith.minui %[[COL]], %{{.*}} : index
// CHECK: %[[WIN:[a-z0-9_]+]] = arith.divui %[[SAFE]], %c4 : index
// CHECK: scf.for
// CHECK: scf.yield
// CHECK-NOT: memref.store %{{.*}}, %{{.*}} : memref<?x2x4x4xf32>
// Per window: bias and ReLU on the 4 pixels (max with 0), then the pool's
// max over them (the fill's -inf folds away: max(-inf, v) is v).
// CHECK: scf.if
// CHECK-COUNT-4: arith.maximumf %{{[0-9]+}}, %cst
// CHECK: %[[M1:[0-9]+]] = arith.maximumf %{{[0-9]+}}, %{{[0-9]+}} : f32
// CHECK-NEXT: %[[M2:[0-9]+]] = arith.maximumf %[[M1]], %{{[0-9]+}} : f32
// CHECK-NEXT: %[[M3:[0-9]+]] = arith.maximumf %[[M2]], %{{[0-9]+}} : f32
// CHECK-NEXT: memref.store %[[M3]], %[[P]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<?x2x2x2xf32>
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
// CHECK-NOT: linalg.
// CHECK: return
// OFF-LABEL: func.func @conv_relu_pool
// OFF: gpu.launch
// OFF: memref.store %{{.*}}, %{{.*}} : memref<?x2x4x4xf32>
// OFF: linalg.pooling_nchw_max
func.func @conv_relu_pool(%x: memref<?x1x6x6xf32>, %w: memref<2x1x3x3xf32>, %b: memref<2xf32>, %p: memref<?x2x2x2xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %n = memref.dim %x, %c0 : memref<?x1x6x6xf32>
  %y = memref.alloc(%n) : memref<?x2x4x4xf32>
  linalg.fill {nnc.epilogue_group = 1 : i64} ins(%zero : f32) outs(%y : memref<?x2x4x4xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, nnc.epilogue_group = 1 : i64, strides = dense<1> : vector<2xi64>}
      ins(%x, %w : memref<?x1x6x6xf32>, memref<2x1x3x3xf32>) outs(%y : memref<?x2x4x4xf32>)
  %h = memref.alloc(%n) : memref<?x2x4x4xf32>
  linalg.generic {indexing_maps = [#id, #chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"], nnc.epilogue_group = 1 : i64}
      ins(%y, %b : memref<?x2x4x4xf32>, memref<2xf32>) outs(%h : memref<?x2x4x4xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  %window = memref.alloc() : memref<2x2xf32>
  linalg.fill ins(%ninf : f32) outs(%p : memref<?x2x2x2xf32>)
  linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
      ins(%h, %window : memref<?x2x4x4xf32>, memref<2x2xf32>) outs(%p : memref<?x2x2x2xf32>)
  memref.dealloc %window : memref<2x2xf32>
  memref.dealloc %h : memref<?x2x4x4xf32>
  memref.dealloc %y : memref<?x2x4x4xf32>
  return
}

// Training: the backward reads the activation, so the kernel stores it too.
// CHECK-LABEL: func.func @activation_read_later
// CHECK: %[[H:[a-z0-9_]+]] = memref.alloc(%{{.*}}) : memref<?x2x4x4xf32>
// CHECK: gpu.launch
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %[[H]][
// CHECK: memref.store %{{.*}}, %arg3[
// CHECK: gpu.terminator
// CHECK-NOT: linalg.
// CHECK: "test.read"(%[[H]])
func.func @activation_read_later(%x: memref<?x1x6x6xf32>, %w: memref<2x1x3x3xf32>, %b: memref<2xf32>, %p: memref<?x2x2x2xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %n = memref.dim %x, %c0 : memref<?x1x6x6xf32>
  %y = memref.alloc(%n) : memref<?x2x4x4xf32>
  linalg.fill {nnc.epilogue_group = 1 : i64} ins(%zero : f32) outs(%y : memref<?x2x4x4xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, nnc.epilogue_group = 1 : i64, strides = dense<1> : vector<2xi64>}
      ins(%x, %w : memref<?x1x6x6xf32>, memref<2x1x3x3xf32>) outs(%y : memref<?x2x4x4xf32>)
  %h = memref.alloc(%n) : memref<?x2x4x4xf32>
  linalg.generic {indexing_maps = [#id, #chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"], nnc.epilogue_group = 1 : i64}
      ins(%y, %b : memref<?x2x4x4xf32>, memref<2xf32>) outs(%h : memref<?x2x4x4xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  %window = memref.alloc() : memref<2x2xf32>
  linalg.fill ins(%ninf : f32) outs(%p : memref<?x2x2x2xf32>)
  linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
      ins(%h, %window : memref<?x2x4x4xf32>, memref<2x2xf32>) outs(%p : memref<?x2x2x2xf32>)
  "test.read"(%h) : (memref<?x2x4x4xf32>) -> ()
  memref.dealloc %window : memref<2x2xf32>
  memref.dealloc %h : memref<?x2x4x4xf32>
  memref.dealloc %y : memref<?x2x4x4xf32>
  return
}

// Left alone: an odd image (5 x 5 has no whole 2x2 tiling), and a pool with
// other work between it and the kernel.
// CHECK-LABEL: func.func @refused
// CHECK: linalg.pooling_nchw_max
// CHECK: linalg.pooling_nchw_max
func.func @refused(%x: memref<?x1x7x7xf32>, %w: memref<2x1x3x3xf32>, %p: memref<?x2x2x2xf32>, %x2: memref<?x1x6x6xf32>, %p2: memref<?x2x2x2xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?x1x7x7xf32>
  %y = memref.alloc(%n) : memref<?x2x5x5xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<?x2x5x5xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
      ins(%x, %w : memref<?x1x7x7xf32>, memref<2x1x3x3xf32>) outs(%y : memref<?x2x5x5xf32>)
  %window = memref.alloc() : memref<2x2xf32>
  linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
      ins(%y, %window : memref<?x2x5x5xf32>, memref<2x2xf32>) outs(%p : memref<?x2x2x2xf32>)
  %y2 = memref.alloc(%n) : memref<?x2x4x4xf32>
  linalg.fill ins(%zero : f32) outs(%y2 : memref<?x2x4x4xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
      ins(%x2, %w : memref<?x1x6x6xf32>, memref<2x1x3x3xf32>) outs(%y2 : memref<?x2x4x4xf32>)
  "test.work"() : () -> ()
  linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
      ins(%y2, %window : memref<?x2x4x4xf32>, memref<2x2xf32>) outs(%p2 : memref<?x2x2x2xf32>)
  return
}
