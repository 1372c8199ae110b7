// What the graph format cannot hold is a located error, not a crash.
// RUN: not nnc %s --emit=graph 2>&1 | FileCheck %s

module {
  func.func @forward(%x: tensor<4xf32> {nn.name = "x", nn.role = "input"}) -> (tensor<4xf32> {nn.name = "y"}) {
    // CHECK: emit-graph-errors.mlir:[[@LINE+1]]:10: error: 'arith.addf' cannot be written to the graph format
    %0 = arith.addf %x, %x : tensor<4xf32>
    return %0 : tensor<4xf32>
    // CHECK-NOT: see current operation
  }
}
