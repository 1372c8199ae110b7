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

#endif // NNC_CODEGEN_GPU_PASSES_TD
