// nn-plan-memory: each dealloc moves to just after the last op that uses its
// allocation or a view of it, so the arena reuses the range for later
// buffers. A returned buffer (or one a view of which is returned) keeps no
// dealloc to move; a dealloc already right after its last use stays.
// RUN: nnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(nn-plan-memory))' | FileCheck %s

// CHECK-LABEL: func.func @chain
// CHECK: %[[A:.*]] = memref.alloc
// CHECK-NEXT: memref.copy %arg0, %[[A]]
// CHECK-NEXT: %[[B:.*]] = memref.alloc
// CHECK-NEXT: memref.copy %[[A]], %[[B]]
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: %[[C:.*]] = memref.alloc
// CHECK-NEXT: memref.copy %[[B]], %[[C]]
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: memref.copy %[[C]], %arg1
// CHECK-NEXT: memref.dealloc %[[C]]
// CHECK-NEXT: return
func.func @chain(%x: memref<64xf32>, %y: memref<64xf32>) {
  %a = memref.alloc() : memref<64xf32>
  memref.copy %x, %a : memref<64xf32> to memref<64xf32>
  %b = memref.alloc() : memref<64xf32>
  memref.copy %a, %b : memref<64xf32> to memref<64xf32>
  %c = memref.alloc() : memref<64xf32>
  memref.copy %b, %c : memref<64xf32> to memref<64xf32>
  memref.copy %c, %y : memref<64xf32> to memref<64xf32>
  memref.dealloc %a : memref<64xf32>
  memref.dealloc %b : memref<64xf32>
  memref.dealloc %c : memref<64xf32>
  return
}

// -----

// A use through a view keeps the buffer alive.
// CHECK-LABEL: func.func @view
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: %[[V:.*]] = memref.subview %[[A]]
// CHECK: memref.copy %[[V]], %arg1
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: memref.subview %arg0
func.func @view(%x: memref<64xf32>, %y: memref<32xf32>) {
  %a = memref.alloc() : memref<64xf32>
  memref.copy %x, %a : memref<64xf32> to memref<64xf32>
  %v = memref.subview %a[0] [32] [1] : memref<64xf32> to memref<32xf32, strided<[1]>>
  memref.copy %v, %y : memref<32xf32, strided<[1]>> to memref<32xf32>
  %w = memref.subview %x[0] [32] [1] : memref<64xf32> to memref<32xf32, strided<[1]>>
  memref.copy %w, %y : memref<32xf32, strided<[1]>> to memref<32xf32>
  memref.dealloc %a : memref<64xf32>
  return
}

// -----

// A returned buffer is not freed here.
// CHECK-LABEL: func.func @returned
// CHECK: %[[A:.*]] = memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: return %[[A]]
func.func @returned(%x: memref<64xf32>) -> memref<64xf32> {
  %a = memref.alloc() : memref<64xf32>
  memref.copy %x, %a : memref<64xf32> to memref<64xf32>
  return %a : memref<64xf32>
}
