// nnc-gpu-attention: each nn.attention_kernel on memrefs becomes one
// gpu.launch, one thread per result row (64 a workgroup, a grid-stride loop
// over batch x rows), the thread's row in registers and a loop over the
// other operand's rows carrying the accumulators; no score is stored.
// RUN: nnc-opt %s --nnc-gpu-attention --canonicalize --cse | FileCheck %s

// forward with lse, bf16, masked: the q row scaled in f32; the key loop
// carries the running max (from -FLT_MAX), the sum and Dv accumulators; the
// output is acc / sum rounded to bf16, the lse max + log(sum).
// CHECK-LABEL: func.func @forward
// CHECK: %[[N:.*]] = memref.dim %arg0, %c0
// CHECK: %[[ROWS:.*]] = arith.muli %[[N]], %c128
// CHECK: %[[B:.*]] = arith.ceildivui %[[ROWS]], %c64
// CHECK: %[[G:.*]] = arith.minui %[[B]], %c65535
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%[[GX:.*]] = %[[G]], {{.*}} threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c64,
// CHECK: scf.for %[[R:.*]] = %{{.*}} to %[[ROWS]] step
// CHECK: %[[I:.*]] = arith.remui %[[R]], %c32
// CHECK: memref.load %arg0[{{.*}}, %[[I]], %c0] : memref<?x4x32x16xbf16>
// CHECK: arith.extf
// CHECK: arith.mulf %{{.*}}, %[[SCALE:cst.*]] : f32
// CHECK: %[[LOOP:[^:]*]]:10 = scf.for %[[J:[^ ]*]] = %c0 to %c32 step %c1 iter_args(%[[M:[^ ]*]] = %[[MIN:[^,]*]], %[[S:[^ ]*]] = %[[ZERO:[^,]*]], {{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: memref.load %arg1[{{.*}}, %[[J]], %c15] : memref<?x4x32x16xbf16>
// CHECK: %[[MASK:.*]] = memref.load %arg3[%[[I]], %[[J]]] : memref<32x32xbf16>
// CHECK: %[[SC:.*]] = arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: %[[MNEW:.*]] = arith.maximumf %[[M]], %[[SC]] : f32
// CHECK: %[[D1:.*]] = arith.subf %[[M]], %[[MNEW]]
// CHECK: %[[CORR:.*]] = math.exp %[[D1]]
// CHECK: %[[D2:.*]] = arith.subf %[[SC]], %[[MNEW]]
// CHECK: %[[P:.*]] = math.exp %[[D2]]
// CHECK: arith.mulf %[[S]], %[[CORR]]
// CHECK: memref.load %arg2[{{.*}}, %[[J]], %c7] : memref<?x4x32x8xbf16>
// CHECK: scf.yield %[[MNEW]]
// CHECK: arith.divf %[[LOOP]]#2, %[[LOOP]]#1 : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: memref.store %{{.*}}, %arg4[{{.*}}, %[[I]], %c0] : memref<?x4x32x8xbf16>
// CHECK: %[[LOG:.*]] = math.log %[[LOOP]]#1
// CHECK: %[[LSE:.*]] = arith.addf %[[LOOP]]#0, %[[LOG]]
// CHECK: memref.store %[[LSE]], %arg5[{{.*}}, %[[I]]] : memref<?x4x32xf32>
// CHECK: gpu.terminator
// CHECK-NOT: nn.attention_kernel
func.func @forward(%q: memref<?x4x32x16xbf16>, %k: memref<?x4x32x16xbf16>,
                   %v: memref<?x4x32x8xbf16>, %m: memref<32x32xbf16>,
                   %o: memref<?x4x32x8xbf16>, %l: memref<?x4x32xf32>) {
  nn.attention_kernel ins(%q, %k, %v, %m : memref<?x4x32x16xbf16>, memref<?x4x32x16xbf16>, memref<?x4x32x8xbf16>, memref<32x32xbf16>) outs(%o, %l : memref<?x4x32x8xbf16>, memref<?x4x32xf32>) {kind = "forward", masked, scale = 2.5e-01 : f64}
  return
}

// grad_v: one thread per key row j (2 batches x 8 rows), over the query rows
// i: p = exp(s - lse[i]), dv[j] += p * dout[i].
// CHECK-LABEL: func.func @grad_v
// CHECK: gpu.launch blocks({{.*}}) in (%[[GX:.*]] = %c1, {{.*}} threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c64,
// CHECK: scf.for %[[R:.*]] = %[[TX]] to %c16 step
// CHECK: %[[N:.*]] = arith.divui %[[R]], %c8
// CHECK: %[[J:.*]] = arith.remui %[[R]], %c8
// CHECK: %[[K0:.*]] = memref.load %arg0[%[[N]], %[[J]], %c0]
// CHECK: %[[KS0:.*]] = arith.mulf %[[K0]], %[[SCALE:.*]] : f32
// CHECK: %[[ACC:[^:]*]]:2 = scf.for %[[I:[^ ]*]] = %c0 to %c8 step %c1 iter_args(%[[A0:[^ ]*]] = %{{[^,]*}}, %[[A1:[^ ]*]] = %{{[^)]*}}) -> (f32, f32)
// CHECK: %[[Q0:.*]] = memref.load %arg0[%[[N]], %[[I]], %c0]
// CHECK: %[[L:.*]] = memref.load %arg1[%[[N]], %[[I]]]
// CHECK: arith.mulf %[[KS0]], %[[Q0]]
// CHECK: %[[SL:.*]] = arith.subf %{{.*}}, %[[L]]
// CHECK: %[[P:.*]] = math.exp %[[SL]]
// CHECK: %[[G0:.*]] = memref.load %arg2[%[[N]], %[[I]], %c0]
// CHECK: %[[PG:.*]] = arith.mulf %[[P]], %[[G0]]
// CHECK: %[[NEXT:.*]] = arith.addf %[[A0]], %[[PG]]
// CHECK: memref.store %[[ACC]]#0, %arg3[%[[N]], %[[J]], %c0]
// CHECK: memref.store %[[ACC]]#1, %arg3[%[[N]], %[[J]], %c1]
func.func @grad_v(%q: memref<2x8x2xf32>, %l: memref<2x8xf32>, %g: memref<2x8x2xf32>, %dv: memref<2x8x2xf32>) {
  nn.attention_kernel ins(%q, %q, %q, %l, %l, %g : memref<2x8x2xf32>, memref<2x8x2xf32>, memref<2x8x2xf32>, memref<2x8xf32>, memref<2x8xf32>, memref<2x8x2xf32>) outs(%dv : memref<2x8x2xf32>) {kind = "grad_v", scale = 5.0e-01 : f64}
  return
}

// grad_k: ds = p * (dout[i] . v[j] - delta[i]); dk[j] = scale * sum ds q[i].
// CHECK-LABEL: func.func @grad_k
// CHECK: scf.for %{{.*}} iter_args
// CHECK: math.exp
// CHECK: %[[DELTA:.*]] = memref.load %arg2[%{{.*}}, %{{.*}}] : memref<2x8xf32>
// CHECK: arith.subf %{{.*}}, %[[DELTA]]
// CHECK: scf.yield
// CHECK: arith.mulf %{{.*}}#0, %[[SCALE:.*]] : f32
// CHECK: memref.store
func.func @grad_k(%q: memref<2x8x2xf32>, %l: memref<2x8xf32>, %d: memref<2x8xf32>, %g: memref<2x8x2xf32>, %dk: memref<2x8x2xf32>) {
  nn.attention_kernel ins(%q, %q, %q, %l, %d, %g : memref<2x8x2xf32>, memref<2x8x2xf32>, memref<2x8x2xf32>, memref<2x8xf32>, memref<2x8xf32>, memref<2x8x2xf32>) outs(%dk : memref<2x8x2xf32>) {kind = "grad_k", scale = 5.0e-01 : f64}
  return
}
