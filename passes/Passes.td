//===- Passes.td - nnc's passes over the nn dialect --------*- tablegen -*-===//
#ifndef NNC_PASSES_PASSES_TD
#define NNC_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def NNInferShapes : Pass<"nn-infer-shapes", "::mlir::ModuleOp"> {
  let summary = "Re-infer the result types of nn ops from their operands";
  let description = [{
    Walks every `func.func` in program order and sets the result type of each
    nn op to the type its inference gives for the current operand types, then
    updates the function's result types from its `func.return`. Run it after
    function argument types were refined (a `?` specialized): every result
    downstream becomes as static as the arguments allow.

    `dims=B=32,T=128` first specializes the arguments: a dynamic dim of an
    argument whose `nn.dims` entry names a listed dimension gets that size.
    Shapes that stop fitting together report a located error and fail the
    pass.

    Example (`-nn-infer-shapes`):

    ```mlir
    func.func @f(%x: tensor<32x784xf32>, %w: tensor<784x10xf32>) -> tensor<?x10xf32> {
      %y = nn.matmul %x, %w : tensor<32x784xf32>, tensor<784x10xf32> -> tensor<?x10xf32>
      return %y : tensor<?x10xf32>
    }
    // becomes: ... -> tensor<32x10xf32>
    ```
  }];
  let options = [
    ListOption<"dims", "dims", "std::string",
               "Dynamic dims to specialize first, as NAME=SIZE, matched "
               "against the nn.dims attributes of function arguments">
  ];
}

def NNCanonicalize : Pass<"nn-canonicalize"> {
  let summary = "Fold and canonicalize nn ops, then remove dead ones";
  let description = [{
    Applies every canonicalization pattern and folder of the nn ops (x + 0,
    x * 1, neg(neg x), composed transposes and reshapes, splat constant
    folding, ...) with the greedy rewrite driver; constants are materialized
    as `nn.constant`. Ops left without uses are erased.
  }];
}

#endif // NNC_PASSES_PASSES_TD
