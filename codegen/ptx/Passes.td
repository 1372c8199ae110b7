//===- Passes.td - nnc's gpu -> PTX passes -----------------*- tablegen -*-===//
#ifndef NNC_CODEGEN_PTX_PASSES_TD
#define NNC_CODEGEN_PTX_PASSES_TD

include "mlir/Pass/PassBase.td"

def NNCDumpPtx : Pass<"nnc-dump-ptx", "::mlir::ModuleOp"> {
  let summary = "Write the PTX of every gpu.binary to DIR/<kernel>.ptx";
  let description = [{
    Reads the PTX text that `nnc-gpu-to-ptx` (cubin-format=isa) leaves in
    each `gpu.binary`'s `#gpu.object` and writes it to `<dir>/<binary>.ptx`,
    creating `dir`; the IR is left unchanged. Each outlined kernel has its
    own gpu.binary and its own PTX module, so there is one file per kernel
    (`ptxas` takes one PTX module per file).

    ```mlir
    gpu.binary @k [#gpu.object<#nvvm.target<chip = "sm_80">, assembly = "...">]
    // writes <dir>/k.ptx
    ```
  }];
  let options = [
    Option<"dir", "dir", "std::string", /*default=*/"\".\"",
           "directory to write the .ptx files into">
  ];
}

def NNCGpuSubgroupToShuffles
    : Pass<"nnc-gpu-subgroup-to-shuffles", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Subgroup reductions as warp shuffles (32 lanes), for NVVM";
  let description = [{
    convert-gpu-to-nvvm lowers `gpu.shuffle` (to `shfl.sync`) but not an f32
    `gpu.subgroup_reduce`: this pass rewrites each into a butterfly of five
    `gpu.shuffle xor` steps over a 32-lane warp, every lane ending with the
    total, and `gpu.subgroup_id` / `gpu.num_subgroups` /
    `gpu.subgroup_size` into the linear thread id / 32, the workgroup's
    threads / 32 (rounded up) and 32.
    nnc-gpu-tile-reduction and nnc-gpu-row-kernels use these only in
    workgroups of 32 threads or more, so every lane of a warp runs.

    ```mlir
    %r = gpu.subgroup_reduce add %v uniform : (f32) -> f32
    // becomes
    %s1, %ok1 = gpu.shuffle xor %v, %c1, %c32 : f32
    %a1 = arith.addf %v, %s1 : f32
    ... offsets 2, 4, 8, 16 ...
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // NNC_CODEGEN_PTX_PASSES_TD
