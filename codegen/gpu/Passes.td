//===- Passes.td - nnc's linalg -> gpu passes --------------*- tablegen -*-===//
#ifndef NNC_CODEGEN_GPU_PASSES_TD
#define NNC_CODEGEN_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def NNCGpuSinkConstants : Pass<"nnc-gpu-sink-constants"> {
  let summary = "Sink constants used by a gpu.launch into its body";
  let description = [{
    Like `gpu-launch-sink-index-computations`, but sinks only constant-like
    ops. `memref.dim` stays on the host: the SPIR-V lowering cannot compute
    the size of a runtime array, so a dynamic size is passed to the kernel as
    an `index` argument instead.

    ```mlir
    %c0 = arith.constant 0 : index
    %d = memref.dim %m, %c0 : memref<?xf32>
    gpu.launch ... { ... %d ... %c0 ... }
    // becomes: %c0 is defined inside the launch, %d is still captured.
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def NNCGpuCopyToLinalg : Pass<"nnc-gpu-copy-to-linalg"> {
  let summary = "Turn memref.copy into linalg.copy so that it runs as a kernel";
  let description = [{
    Bufferization writes `memref.copy` where a tensor lands in a slice of
    another (`tensor.insert_slice` of a pad, for instance). On the host that
    would be a strided copy between device buffers; as a `linalg.copy` it is
    lowered to a kernel like every other loop nest.

    ```mlir
    memref.copy %a, %sub : memref<?x4xf32> to memref<?x4xf32, strided<[8, 1], offset: 2>>
    // becomes
    linalg.copy ins(%a : memref<?x4xf32>) outs(%sub : memref<?x4xf32, strided<[8, 1], offset: 2>>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def NNCGpuLaunchHostCompute : Pass<"nnc-gpu-launch-host-compute"> {
  let summary = "Move compute left on the host into one-thread gpu.launch ops";
  let description = [{
    A full reduction or an op on rank-0 buffers lowers to loops with no
    `scf.parallel` (or to a parallel loop of one iteration that the
    canonicalizer removes), so it would run on the host between kernels. The
    runtime only evaluates index arithmetic, allocations, views and launches
    there (the launch plan), so this pass wraps every maximal run of other ops
    (loads, stores, `scf.for`, float math) in a `gpu.launch` of one thread.
    Pure ops a run needs from elsewhere are cloned into it first.

    ```mlir
    memref.store %zero, %acc[] : memref<f32>
    scf.for %i = %c0 to %n step %c1 { ... }
    // becomes
    gpu.launch blocks(...) in (... = %c1, ...) threads(...) in (... = %c1, ...) {
      memref.store %zero, %acc[] : memref<f32>
      scf.for %i = %c0 to %n step %c1 { ... }
      gpu.terminator
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // NNC_CODEGEN_GPU_PASSES_TD
