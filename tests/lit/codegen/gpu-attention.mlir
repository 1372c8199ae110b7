// nnc-gpu-attention: each nn.attention_kernel on memrefs becomes one
// gpu.launch: grid y takes the batches (so every address of the other
// operand's rows is the same in all threads of a workgroup), grid x blocks
// of rows, each thread its rows in registers (q or k scaled, accumulators)
// and a loop over the other operand's rows carrying the accumulators; no
// score is stored. CUDA's: 64 threads, one row each (the default);
// Vulkan's (rows-per-thread=16): the fewest threads (8 to 64) that cover T
// with up to 16 rows each, every loaded row serving all of them.
// RUN: nnc-opt %s --nnc-gpu-attention --canonicalize --cse | FileCheck %s
// RUN: nnc-opt %s --nnc-gpu-attention="rows-per-thread=16" --canonicalize --cse | FileCheck %s --check-prefix=VULKAN

// (@heads' delta generic reads the output in its [b, t, h, e] order.)
// CHECK: #[[$PERM:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>

// forward with lse, bf16, masked: the q row scaled in f32; the key loop
// carries the running max (from -FLT_MAX), the sum and Dv accumulators; the
// output is acc / sum rounded to bf16, the lse max + log(sum).
// CHECK-LABEL: func.func @forward
// CHECK: %[[N:.*]] = memref.dim %arg0, %c0
// CHECK: %[[BATCHES:.*]] = arith.muli %[[N]], %c4
// CHECK: %[[GY:.*]] = arith.minui %[[BATCHES]], %c65535
// CHECK: gpu.launch blocks(%[[BX:[^,]*]], %[[BY:[^,]*]], %{{[^)]*}}) in (%[[GX:[^ ]*]] = %c1, %[[GYA:[^ ]*]] = %[[GY]], {{.*}} threads(%[[TX:[^,]*]], %{{.*}}) in (%{{[^ ]*}} = %c64,
// CHECK: scf.for %[[B:.*]] = %[[BY]] to %[[BATCHES]] step %[[GYA]]
// CHECK: %[[H:.*]] = arith.remui %[[B]], %c4
// CHECK: scf.for %[[I:[^ ]*]] = %[[TX]] to %c32 step
// CHECK: %[[VALID:.*]] = arith.cmpi ult, %[[I]], %c32
// CHECK: %[[IC:.*]] = arith.minui %[[I]], %c31
// CHECK: memref.load %arg0[%{{.*}}, %[[H]], %[[IC]], %c0] : memref<?x4x32x16xbf16>
// CHECK: arith.extf
// CHECK: arith.mulf %{{.*}}, %[[SCALE:cst.*]] : f32
// CHECK: %[[LOOP:[^:]*]]:10 = scf.for %[[J:[^ ]*]] = %c0 to %c32 step %c1 iter_args(%[[M:[^ ]*]] = %[[MIN:[^,]*]], %[[S:[^ ]*]] = %[[ZERO:[^,]*]], {{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: memref.load %arg1[{{.*}}, %[[H]], %[[J]], %c15] : memref<?x4x32x16xbf16>
// CHECK: memref.load %arg2[{{.*}}, %[[H]], %[[J]], %c7] : memref<?x4x32x8xbf16>
// CHECK: %[[MASK:.*]] = memref.load %arg3[%[[IC]], %[[J]]] : memref<32x32xbf16>
// CHECK: %[[SC:.*]] = arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: %[[MNEW:.*]] = arith.maximumf %[[M]], %[[SC]] : f32
// CHECK: %[[D1:.*]] = arith.subf %[[M]], %[[MNEW]]
// CHECK: %[[CORR:.*]] = math.exp %[[D1]]
// CHECK: %[[D2:.*]] = arith.subf %[[SC]], %[[MNEW]]
// CHECK: %[[P:.*]] = math.exp %[[D2]]
// CHECK: arith.mulf %[[S]], %[[CORR]]
// CHECK: scf.yield %[[MNEW]]
// CHECK: scf.if %[[VALID]] {
// CHECK: arith.divf %[[LOOP]]#2, %[[LOOP]]#1 : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: memref.store %{{.*}}, %arg4[{{.*}}, %[[H]], %[[IC]], %c0] : memref<?x4x32x8xbf16>
// CHECK: %[[LOG:.*]] = math.log %[[LOOP]]#1
// CHECK: %[[LSE:.*]] = arith.addf %[[LOOP]]#0, %[[LOG]]
// CHECK: memref.store %[[LSE]], %arg5[{{.*}}, %[[H]], %[[IC]]] : memref<?x4x32xf32>
// CHECK: gpu.terminator
// CHECK-NOT: nn.attention_kernel
// Vulkan's: T = 32 rows, 8 threads with 4 rows each (t, t + 8, t + 16,
// t + 24); the key loop carries 4 x 10 values; each row stored if it exists.
// VULKAN-LABEL: func.func @forward
// VULKAN: gpu.launch blocks({{.*}}) in (%[[GX:[^ ]*]] = %c1, {{.*}} threads(%[[TX:[^,]*]], %{{.*}}) in (%{{[^ ]*}} = %c8,
// VULKAN: %[[STEP:.*]] = arith.muli %[[GX]], %c32
// VULKAN: scf.for %[[I:[^ ]*]] = %[[TX]] to %c32 step %[[STEP]]
// VULKAN: arith.addi %[[I]], %c8
// VULKAN: arith.addi %[[I]], %c16
// VULKAN: arith.addi %[[I]], %c24
// VULKAN: scf.for %{{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// VULKAN-COUNT-4: scf.if
func.func @forward(%q: memref<?x4x32x16xbf16>, %k: memref<?x4x32x16xbf16>,
                   %v: memref<?x4x32x8xbf16>, %m: memref<32x32xbf16>,
                   %o: memref<?x4x32x8xbf16>, %l: memref<?x4x32xf32>) {
  nn.attention_kernel ins(%q, %k, %v, %m : memref<?x4x32x16xbf16>, memref<?x4x32x16xbf16>, memref<?x4x32x8xbf16>, memref<32x32xbf16>) outs(%o, %l : memref<?x4x32x8xbf16>, memref<?x4x32xf32>) {kind = "forward", masked, scale = 2.5e-01 : f64}
  return
}

// grad_v: one thread per key row j (2 batches x 8 rows), over the query rows
// i: p = exp(scale k[j] . q[i] - lse[i]), dv[j] += p * dout[i].
// CHECK-LABEL: func.func @grad_v
// CHECK-SAME: (%[[Q:[^:]*]]: {{.*}}, %[[K:[^:]*]]: {{.*}}, %[[V:[^:]*]]: {{.*}}, %[[L:[^:]*]]: {{.*}}, %[[G:[^:]*]]: {{.*}}, %[[DV:[^:]*]]: memref<2x8x2xf32>)
// CHECK: gpu.launch blocks(%{{[^,]*}}, %[[BY:[^,]*]], %{{[^)]*}}) in ({{.*}} threads(%[[TX:[^,]*]], %{{.*}}) in (%{{[^ ]*}} = %c64,
// CHECK: scf.for %[[N:[^ ]*]] = %[[BY]] to %c2 step
// CHECK: scf.for %[[R:[^ ]*]] = %[[TX]] to %c8 step
// CHECK: %[[J:.*]] = arith.minui %[[R]], %c7
// CHECK: %[[K0:.*]] = memref.load %[[K]][%[[N]], %[[J]], %c0]
// CHECK: %[[KS0:.*]] = arith.mulf %[[K0]], %[[SCALE:.*]] : f32
// CHECK: %[[ACC:[^:]*]]:2 = scf.for %[[I:[^ ]*]] = %c0 to %c8 step %c1 iter_args(%[[A0:[^ ]*]] = %{{[^,]*}}, %[[A1:[^ ]*]] = %{{[^)]*}}) -> (f32, f32)
// CHECK: %[[Q0:.*]] = memref.load %[[Q]][%[[N]], %[[I]], %c0]
// CHECK: %[[G0:.*]] = memref.load %[[G]][%[[N]], %[[I]], %c0]
// CHECK: %[[LI:.*]] = memref.load %[[L]][%[[N]], %[[I]]]
// CHECK: arith.mulf %[[KS0]], %[[Q0]]
// CHECK: %[[SL:.*]] = arith.subf %{{.*}}, %[[LI]]
// CHECK: %[[P:.*]] = math.exp %[[SL]]
// CHECK: %[[PG:.*]] = arith.mulf %[[P]], %[[G0]]
// CHECK: %[[NEXT:.*]] = arith.addf %[[A0]], %[[PG]]
// CHECK: scf.if
// CHECK: memref.store %[[ACC]]#0, %[[DV]][%[[N]], %[[J]], %c0]
// CHECK: memref.store %[[ACC]]#1, %[[DV]][%[[N]], %[[J]], %c1]
// CHECK-NOT: %[[V]]
func.func @grad_v(%q: memref<2x8x2xf32>, %k: memref<2x8x2xf32>, %v: memref<2x8x2xf32>, %l: memref<2x8xf32>, %g: memref<2x8x2xf32>, %dv: memref<2x8x2xf32>) {
  nn.attention_kernel ins(%q, %k, %v, %l, %l, %g : memref<2x8x2xf32>, memref<2x8x2xf32>, memref<2x8x2xf32>, memref<2x8xf32>, memref<2x8xf32>, memref<2x8x2xf32>) outs(%dv : memref<2x8x2xf32>) {kind = "grad_v", scale = 5.0e-01 : f64}
  return
}

// grad_k: ds = p * (dout[i] . v[j] - delta[i]); dk[j] = scale * sum ds q[i].
// CHECK-LABEL: func.func @grad_k
// CHECK-SAME: (%[[Q:[^:]*]]: {{.*}}, %[[K:[^:]*]]: {{.*}}, %[[V:[^:]*]]: {{.*}}, %[[L:[^:]*]]: {{.*}}, %[[D:[^:]*]]: {{.*}}, %[[G:[^:]*]]: {{.*}}, %[[DK:[^:]*]]: memref<2x8x2xf32>)
// CHECK: %[[J:.*]] = arith.minui
// CHECK: %[[K0:.*]] = memref.load %[[K]][%{{.*}}, %[[J]], %c0]
// CHECK: %[[V0:.*]] = memref.load %[[V]][%{{.*}}, %[[J]], %c0]
// CHECK: scf.for %[[I:[^ ]*]] = {{.*}} iter_args
// CHECK: %[[Q0:.*]] = memref.load %[[Q]][%{{.*}}, %[[I]], %c0]
// CHECK: %[[G0:.*]] = memref.load %[[G]][%{{.*}}, %[[I]], %c0]
// CHECK: %[[DELTA:.*]] = memref.load %[[D]][%{{.*}}, %[[I]]] : memref<2x8xf32>
// CHECK: %[[P:.*]] = math.exp
// CHECK: arith.mulf %[[G0]], %[[V0]]
// CHECK: %[[DP:.*]] = arith.subf %{{.*}}, %[[DELTA]]
// CHECK: %[[DS:.*]] = arith.mulf %[[P]], %[[DP]]
// CHECK: arith.mulf %[[DS]], %[[Q0]]
// CHECK: scf.yield
// CHECK: scf.if
// CHECK: %[[DK0:.*]] = arith.mulf %{{.*}}#0, %[[SCALE:.*]] : f32
// CHECK: memref.store %[[DK0]], %[[DK]]
func.func @grad_k(%q: memref<2x8x2xf32>, %k: memref<2x8x2xf32>, %v: memref<2x8x2xf32>, %l: memref<2x8xf32>, %d: memref<2x8xf32>, %g: memref<2x8x2xf32>, %dk: memref<2x8x2xf32>) {
  nn.attention_kernel ins(%q, %k, %v, %l, %d, %g : memref<2x8x2xf32>, memref<2x8x2xf32>, memref<2x8x2xf32>, memref<2x8xf32>, memref<2x8xf32>, memref<2x8x2xf32>) outs(%dk : memref<2x8x2xf32>) {kind = "grad_k", scale = 5.0e-01 : f64}
  return
}

// grad_kv: CUDA's (one row a thread) is two launches, dk's then dv's;
// Vulkan's one, each thread's loop over the query rows carrying dk's and
// dv's accumulators (D + Dv = 4 per row, 1 row: 8 keys, 8 threads).
// CHECK-LABEL: func.func @grad_kv
// CHECK: gpu.launch
// CHECK: scf.for {{.*}} -> (f32, f32)
// CHECK: memref.store %{{.*}}, %arg6
// CHECK: gpu.launch
// CHECK: scf.for {{.*}} -> (f32, f32)
// CHECK: memref.store %{{.*}}, %arg7
// CHECK-NOT: gpu.launch
// VULKAN-LABEL: func.func @grad_kv
// VULKAN: gpu.launch
// VULKAN: scf.for {{.*}} -> (f32, f32, f32, f32)
// VULKAN: memref.store %{{.*}}, %arg6
// VULKAN: memref.store %{{.*}}, %arg7
// VULKAN-NOT: gpu.launch
func.func @grad_kv(%q: memref<2x8x2xf32>, %k: memref<2x8x2xf32>, %v: memref<2x8x2xf32>, %l: memref<2x8xf32>, %d: memref<2x8xf32>, %g: memref<2x8x2xf32>, %dk: memref<2x8x2xf32>, %dv: memref<2x8x2xf32>) {
  nn.attention_kernel ins(%q, %k, %v, %l, %d, %g : memref<2x8x2xf32>, memref<2x8x2xf32>, memref<2x8x2xf32>, memref<2x8xf32>, memref<2x8xf32>, memref<2x8x2xf32>) outs(%dk, %dv : memref<2x8x2xf32>, memref<2x8x2xf32>) {kind = "grad_kv", scale = 5.0e-01 : f64}
  return
}

// The heads' transposes: q, k and v copied from [B, T, H, D] into
// [B, H, T, D] for the kernel, its output copied back. The kernel reads the
// source and writes the destination in their own order (loads and stores
// index [b, t, h, e]); the copies and their buffers go; the output's other
// reader (the delta generic after the kernel) reads the destination
// through a permuted map.
// CHECK-LABEL: func.func @heads
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: memref<2x8x4x16xf32>, %[[MASK:[a-z0-9_]+]]: memref<8x8xf32>, %[[Y:[a-z0-9_]+]]: memref<2x8x4x16xf32>, %[[D:[a-z0-9_]+]]: memref<2x4x8xf32>)
// CHECK-NOT: linalg.transpose
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch
// CHECK: scf.for %[[B:.*]] = %{{.*}} to %c8 step
// CHECK: %[[H:.*]] = arith.remui %[[B]], %c4
// CHECK: %[[N:.*]] = arith.divui %[[B]], %c4
// CHECK: scf.for %[[I:[^ ]*]] = %{{.*}} to %c8 step
// CHECK: %[[IC:.*]] = arith.minui %[[I]], %c7
// CHECK: memref.load %[[X]][%[[N]], %[[IC]], %[[H]], %c0] : memref<2x8x4x16xf32>
// CHECK: scf.for %[[J:[^ ]*]] = %c0 to %c8
// CHECK: memref.load %[[X]][%[[N]], %[[J]], %[[H]], %c0] : memref<2x8x4x16xf32>
// CHECK: memref.store %{{.*}}, %[[Y]][%[[N]], %[[IC]], %[[H]], %c0] : memref<2x8x4x16xf32>
// CHECK: gpu.terminator
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[$PERM]], #[[$PERM]], #{{.*}}]{{.*}} ins(%[[Y]], %[[Y]] : memref<2x8x4x16xf32>, memref<2x8x4x16xf32>) outs(%[[D]] : memref<2x4x8xf32>)
// CHECK-NOT: memref.dealloc
// CHECK: return
// VULKAN-LABEL: func.func @heads
// VULKAN-NOT: linalg.transpose
func.func @heads(%x: memref<2x8x4x16xf32>, %mask: memref<8x8xf32>, %y: memref<2x8x4x16xf32>, %delta: memref<2x4x8xf32>) {
  %qh = memref.alloc() : memref<2x4x8x16xf32>
  linalg.transpose ins(%x : memref<2x8x4x16xf32>) outs(%qh : memref<2x4x8x16xf32>) permutation = [0, 2, 1, 3]
  %o = memref.alloc() : memref<2x4x8x16xf32>
  nn.attention_kernel ins(%qh, %qh, %qh, %mask : memref<2x4x8x16xf32>, memref<2x4x8x16xf32>, memref<2x4x8x16xf32>, memref<8x8xf32>) outs(%o : memref<2x4x8x16xf32>) {kind = "forward", masked, scale = 2.500000e-01 : f64}
  memref.dealloc %qh : memref<2x4x8x16xf32>
  linalg.transpose ins(%o : memref<2x4x8x16xf32>) outs(%y : memref<2x8x4x16xf32>) permutation = [0, 2, 1, 3]
  linalg.generic {indexing_maps = [affine_map<(b, h, t, e) -> (b, h, t, e)>, affine_map<(b, h, t, e) -> (b, h, t, e)>, affine_map<(b, h, t, e) -> (b, h, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%o, %o : memref<2x4x8x16xf32>, memref<2x4x8x16xf32>) outs(%delta : memref<2x4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %acc: f32):
    %m = arith.mulf %a, %c : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  memref.dealloc %o : memref<2x4x8x16xf32>
  return
}

// Permutations that are not their own inverse: q read from x as
// [t, n, e, h] ([B, H, T, D] = transpose(x, [1, 3, 0, 2])), the output
// written to y as [t, n, e, h] too (y = transpose(o, [2, 0, 3, 1])).
// CHECK-LABEL: func.func @perm
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: memref<8x2x16x4xf32>, %[[Y:[a-z0-9_]+]]: memref<8x2x16x4xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: gpu.launch
// CHECK: %[[H:.*]] = arith.remui %{{.*}}, %c4
// CHECK: %[[N:.*]] = arith.divui %{{.*}}, %c4
// CHECK: %[[IC:.*]] = arith.minui %{{.*}}, %c7
// CHECK: memref.load %[[X]][%[[IC]], %[[N]], %c0, %[[H]]] : memref<8x2x16x4xf32>
// CHECK: memref.store %{{.*}}, %[[Y]][%[[IC]], %[[N]], %c0, %[[H]]] : memref<8x2x16x4xf32>
// CHECK-NOT: linalg.transpose
// CHECK: return
// VULKAN-LABEL: func.func @perm
func.func @perm(%x: memref<8x2x16x4xf32>, %y: memref<8x2x16x4xf32>) {
  %qh = memref.alloc() : memref<2x4x8x16xf32>
  linalg.transpose ins(%x : memref<8x2x16x4xf32>) outs(%qh : memref<2x4x8x16xf32>) permutation = [1, 3, 0, 2]
  %o = memref.alloc() : memref<2x4x8x16xf32>
  nn.attention_kernel ins(%qh, %qh, %qh : memref<2x4x8x16xf32>, memref<2x4x8x16xf32>, memref<2x4x8x16xf32>) outs(%o : memref<2x4x8x16xf32>) {kind = "forward", scale = 2.500000e-01 : f64}
  memref.dealloc %qh : memref<2x4x8x16xf32>
  linalg.transpose ins(%o : memref<2x4x8x16xf32>) outs(%y : memref<8x2x16x4xf32>) permutation = [2, 0, 3, 1]
  memref.dealloc %o : memref<2x4x8x16xf32>
  return
}

// Left alone: the output copied back into the kernel's own source (the
// kernel would write what its other threads still read: the input copy
// goes, the output's stays); a source that another kernel reads in its own
// order; a copy of another kernel's output (that kernel would have to
// write in the reader's order).
// CHECK-LABEL: func.func @inplace
// CHECK: %[[O:.*]] = memref.alloc() : memref<2x4x8x16xf32>
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %[[O]]
// CHECK: gpu.terminator
// CHECK: linalg.transpose ins(%[[O]] : memref<2x4x8x16xf32>) outs(%arg0 : memref<2x8x4x16xf32>)
// CHECK-LABEL: func.func @shared
// CHECK: gpu.launch
// CHECK: linalg.transpose ins(%arg0 : memref<2x8x4x16xf32>)
// CHECK: gpu.launch
// CHECK-LABEL: func.func @chain
// CHECK: gpu.launch
// CHECK: linalg.transpose ins(%{{.*}} : memref<2x4x8x16xf32>) outs(%{{.*}} : memref<2x8x4x16xf32>)
// CHECK: gpu.launch
// VULKAN-LABEL: func.func @inplace
func.func @inplace(%x: memref<2x8x4x16xf32>) {
  %qh = memref.alloc() : memref<2x4x8x16xf32>
  linalg.transpose ins(%x : memref<2x8x4x16xf32>) outs(%qh : memref<2x4x8x16xf32>) permutation = [0, 2, 1, 3]
  %o = memref.alloc() : memref<2x4x8x16xf32>
  nn.attention_kernel ins(%qh, %qh, %qh : memref<2x4x8x16xf32>, memref<2x4x8x16xf32>, memref<2x4x8x16xf32>) outs(%o : memref<2x4x8x16xf32>) {kind = "forward", scale = 2.500000e-01 : f64}
  memref.dealloc %qh : memref<2x4x8x16xf32>
  linalg.transpose ins(%o : memref<2x4x8x16xf32>) outs(%x : memref<2x8x4x16xf32>) permutation = [0, 2, 1, 3]
  memref.dealloc %o : memref<2x4x8x16xf32>
  return
}
func.func @shared(%x: memref<2x8x4x16xf32>, %o: memref<2x4x8x16xf32>, %o2: memref<2x8x4x16xf32>) {
  nn.attention_kernel ins(%x, %x, %x : memref<2x8x4x16xf32>, memref<2x8x4x16xf32>, memref<2x8x4x16xf32>) outs(%o2 : memref<2x8x4x16xf32>) {kind = "forward", scale = 2.500000e-01 : f64}
  %qh = memref.alloc() : memref<2x4x8x16xf32>
  linalg.transpose ins(%x : memref<2x8x4x16xf32>) outs(%qh : memref<2x4x8x16xf32>) permutation = [0, 2, 1, 3]
  nn.attention_kernel ins(%qh, %qh, %qh : memref<2x4x8x16xf32>, memref<2x4x8x16xf32>, memref<2x4x8x16xf32>) outs(%o : memref<2x4x8x16xf32>) {kind = "forward", scale = 2.500000e-01 : f64}
  memref.dealloc %qh : memref<2x4x8x16xf32>
  return
}
func.func @chain(%q: memref<2x4x8x16xf32>, %o2: memref<2x8x4x16xf32>) {
  %o = memref.alloc() : memref<2x4x8x16xf32>
  nn.attention_kernel ins(%q, %q, %q : memref<2x4x8x16xf32>, memref<2x4x8x16xf32>, memref<2x4x8x16xf32>) outs(%o : memref<2x4x8x16xf32>) {kind = "forward", scale = 2.500000e-01 : f64}
  %c = memref.alloc() : memref<2x8x4x16xf32>
  linalg.transpose ins(%o : memref<2x4x8x16xf32>) outs(%c : memref<2x8x4x16xf32>) permutation = [0, 2, 1, 3]
  nn.attention_kernel ins(%c, %c, %c : memref<2x8x4x16xf32>, memref<2x8x4x16xf32>, memref<2x8x4x16xf32>) outs(%o2 : memref<2x8x4x16xf32>) {kind = "forward", scale = 2.500000e-01 : f64}
  memref.dealloc %c : memref<2x8x4x16xf32>
  memref.dealloc %o : memref<2x4x8x16xf32>
  return
}
