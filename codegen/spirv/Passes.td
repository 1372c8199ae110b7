//===- Passes.td - nnc's gpu -> SPIR-V passes --------------*- tablegen -*-===//
#ifndef NNC_CODEGEN_SPIRV_PASSES_TD
#define NNC_CODEGEN_SPIRV_PASSES_TD

include "mlir/Pass/PassBase.td"

def NNCSpirvSetEntryPointAbi : Pass<"nnc-spirv-set-entry-point-abi",
                                    "::mlir::ModuleOp"> {
  let summary = "Give every gpu kernel a spirv.entry_point_abi";
  let description = [{
    convert-gpu-to-spirv needs the workgroup size of each kernel. It is the
    kernel's `known_block_size` where outlining recorded one (static launch
    bounds), otherwise `workgroup-size` (nnc-linalg-to-gpu launches 256
    threads along x).

    ```mlir
    gpu.func @k(%a: memref<?xf32>) kernel { ... }
    // becomes
    gpu.func @k(%a: memref<?xf32>) kernel attributes {
      spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [256, 1, 1]>} { ... }
    ```
  }];
  let options = [
    Option<"workgroupSize", "workgroup-size", "int", /*default=*/"256",
           "threads along x when the kernel has no known_block_size">
  ];
  let dependentDialects = ["::mlir::spirv::SPIRVDialect"];
}

def NNCSpirvPrepareMath : Pass<"nnc-spirv-prepare-math", "::mlir::ModuleOp"> {
  let summary = "Make kernel math lowerable to SPIR-V: target env, erf";
  let description = [{
    Two things the upstream SPIR-V conversions need before
    `convert-math-to-spirv` runs on the kernels:
    - the `spirv.target_env` attribute on each gpu.module, copied from the
      `#spirv.target_env` that `spirv-attach-target` put in its `targets`:
      without it the math conversion assumes a default environment with no
      Float16 and widens f16 math to f32 through casts nothing can lower;
    - `math.erf` (exact gelu), which has no GLSL instruction, replaced by
      MLIR's polynomial approximation.

    ```mlir
    gpu.module @k [#spirv.target_env<...>] { ... math.erf %x : f32 ... }
    // becomes
    gpu.module @k [#spirv.target_env<...>] attributes {spirv.target_env = #spirv.target_env<...>} {
      ... a polynomial in %x ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::spirv::SPIRVDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def NNCDumpSpirv : Pass<"nnc-dump-spirv", "::mlir::ModuleOp"> {
  let summary = "Serialize every spirv.module to DIR/<kernel>.spv";
  let description = [{
    Writes the SPIR-V binary of each `spirv.module` (named `__spv__<kernel>`
    by convert-gpu-to-spirv) to `<dir>/<kernel>.spv`, creating `dir`; the IR
    is left unchanged. For tests and debugging: `spirv-val` reads the files.
  }];
  let options = [
    Option<"dir", "dir", "std::string", /*default=*/"\".\"",
           "directory to write the .spv files into">
  ];
}

#endif // NNC_CODEGEN_SPIRV_PASSES_TD
