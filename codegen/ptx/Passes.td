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

#endif // NNC_CODEGEN_PTX_PASSES_TD
