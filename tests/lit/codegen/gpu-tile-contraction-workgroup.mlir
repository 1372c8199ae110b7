// nnc-gpu-tile-contraction with workgroup tiles (nnc's choice for
// --target=cuda): 16 x 16 threads; thread (tx, ty) owns rows ty + 16 i and
// columns tx + 16 j of the workgroup's block. The K loop walks K-tiles: each
// thread loads its share of A's and B's tile into registers (the next
// tile's loads are issued after the barriers, before the current tile is
// used), stores them to workgroup memory between two barriers, and folds a
// whole tile unrolled, a shorter last one as a loop, in k order.
// RUN: nnc-opt %s --nnc-gpu-tile-contraction=workgroup-tiles=true --canonicalize --cse | FileCheck %s
// RUN: nnc-opt %s --nnc-gpu-tile-contraction --canonicalize --cse | FileCheck %s --check-prefix=REGS

// M dynamic: 8 rows per thread (a 128-row block); N = 20: 2 columns per
// thread (a 32-column block); a 2-column register tile takes K-tiles of 16.
// K = 24: one whole tile, then one of 8.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:[a-z0-9_]+]]: memref<?x24xf32>, %[[B:[a-z0-9_]+]]: memref<24x20xf32>, %[[C:[a-z0-9_]+]]: memref<?x20xf32>)
// CHECK: %[[M:[a-z0-9_]+]] = memref.dim %[[A]], %c0
// CHECK: %[[GY:[a-z0-9_]+]] = arith.ceildivui %[[M]], %c128
// CHECK: gpu.launch blocks(%{{[a-z0-9_]+}}, %[[BY:[a-z0-9_]+]], %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %[[GY]], %{{[a-z0-9_]+}} = %c1)
// CHECK-SAME: threads(%[[TX:[a-z0-9_]+]], %[[TY:[a-z0-9_]+]], %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %c16, %{{[a-z0-9_]+}} = %c16, %{{[a-z0-9_]+}} = %c1)
// CHECK-SAME: workgroup(%[[AT:[a-z0-9_]+]] : memref<16x132xf32, #gpu.address_space<workgroup>>, %[[BT:[a-z0-9_]+]] : memref<16x36xf32, #gpu.address_space<workgroup>>)
// The thread's rows: m0 + ty, m0 + ty + 16, ...
// CHECK: %[[M0:[a-z0-9_]+]] = arith.muli %[[BY]], %c128
// CHECK: %[[ROW0:[a-z0-9_]+]] = arith.addi %[[M0]], %[[TY]]
// CHECK: %[[TY16:[a-z0-9_]+]] = arith.addi %[[TY]], %c16
// CHECK: arith.addi %[[M0]], %[[TY16]]
// Its columns: tx and tx + 16.
// CHECK: arith.cmpi ult, %[[TX]], %c20
// CHECK: %[[TX16:[a-z0-9_]+]] = arith.addi %[[TX]], %c16
// Slot 0 of A (k fastest: A's rows are contiguous in k): element
// tid = 16 ty + tx of the 16 x 128 tile is (k = tid % 16, row = tid / 16).
// CHECK: %[[TID0:[a-z0-9_]+]] = arith.muli %[[TY]], %c16
// CHECK: %[[TID:[a-z0-9_]+]] = arith.addi %[[TID0]], %[[TX]]
// CHECK: %[[KK:[a-z0-9_]+]] = arith.remui %[[TID]], %c16
// CHECK: %[[MI:[a-z0-9_]+]] = arith.divui %[[TID]], %c16
// 8 slots of A, 2 of B (column fastest: B's rows are contiguous in n).
// CHECK-COUNT-7: arith.divui %{{.*}}, %c16
// CHECK: %[[NJ:[a-z0-9_]+]] = arith.remui %[[TID]], %c32
// CHECK: %[[BK:[a-z0-9_]+]] = arith.divui %[[TID]], %c32
// The first tile's loads, before the loop.
// CHECK-COUNT-8: memref.load %[[A]]
// CHECK-COUNT-2: memref.load %[[B]]
// CHECK: %[[R:[a-z0-9_]+]]:26 = scf.for %[[K0:[a-z0-9_]+]] = %c0 to %c24 step %c16 iter_args(%{{.*}} = %cst,
// CHECK-SAME: %[[RA:[a-z0-9_]+]] = %{{[0-9]+}}, %{{.*}} = %{{[0-9]+}}, %{{.*}} = %{{[0-9]+}}, %{{.*}} = %{{[0-9]+}}, %{{.*}} = %{{[0-9]+}}, %{{.*}} = %{{[0-9]+}}, %{{.*}} = %{{[0-9]+}}, %{{.*}} = %{{[0-9]+}}, %[[RB:[a-z0-9_]+]] = %{{[0-9]+}},
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: memref.store %[[RA]], %[[AT]][%[[KK]], %[[MI]]]
// CHECK-COUNT-7: memref.store %{{.*}}, %[[AT]]
// CHECK-NEXT: memref.store %[[RB]], %[[BT]][%[[BK]], %[[NJ]]]
// CHECK-NEXT: memref.store %{{.*}}, %[[BT]]
// CHECK-NEXT: gpu.barrier
// The next tile's loads (k clamped to the last one), then this tile.
// CHECK-NEXT: %[[K1:[a-z0-9_]+]] = arith.addi %[[K0]], %c16
// CHECK-NEXT: %[[KN:[a-z0-9_]+]] = arith.addi %[[K1]], %[[KK]]
// CHECK-NEXT: %[[KC:[a-z0-9_]+]] = arith.minui %[[KN]], %c23
// CHECK-NEXT: memref.load %[[A]][%{{.*}}, %[[KC]]]
// CHECK-COUNT-7: memref.load %[[A]]
// CHECK-COUNT-2: memref.load %[[B]]
// CHECK: %[[LEFT:[a-z0-9_]+]] = arith.subi %c24, %[[K0]]
// CHECK-NEXT: %[[CNT:[a-z0-9_]+]] = arith.minui %[[LEFT]], %c16
// CHECK-NEXT: %[[FULL:[a-z0-9_]+]] = arith.cmpi eq, %[[CNT]], %c16
// CHECK-NEXT: scf.if %[[FULL]]
// CHECK-NEXT: %[[A0:[a-z0-9_]+]] = memref.load %[[AT]][%c0, %[[TY]]]
// CHECK: %[[B0:[a-z0-9_]+]] = memref.load %[[BT]][%c0, %[[TX]]]
// CHECK-NEXT: memref.load %[[BT]][%c0, %[[TX16]]]
// CHECK-NEXT: %[[P:[a-z0-9_]+]] = arith.mulf %[[A0]], %[[B0]]
// CHECK-NEXT: arith.addf %{{.*}}, %[[P]]
// 16 steps of 16 products, unrolled.
// CHECK-COUNT-255: arith.mulf
// CHECK: } else {
// CHECK: scf.for %[[KK2:[a-z0-9_]+]] = %c0 to %[[CNT]] step %c1
// CHECK-NEXT: memref.load %[[AT]][%[[KK2]], %[[TY]]]
// CHECK: scf.if
// CHECK-NEXT: memref.store %[[R]]#0, %[[C]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.matmul
// REGS-LABEL: func.func @matmul
// REGS-NOT: workgroup(
// REGS: threads({{.*}}) in ({{.*}} = %c4, {{.*}} = %c1, {{.*}} = %c1)
// REGS-NOT: gpu.barrier
// REGS: return
func.func @matmul(%a: memref<?x24xf32>, %b: memref<24x20xf32>, %c: memref<?x20xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<?x20xf32>)
  linalg.matmul ins(%a, %b : memref<?x24xf32>, memref<24x20xf32>) outs(%c : memref<?x20xf32>)
  return
}
