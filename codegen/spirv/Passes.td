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
