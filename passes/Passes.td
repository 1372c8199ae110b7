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

def NNDecompose : Pass<"nn-decompose", "::mlir::func::FuncOp"> {
  let summary = "Rewrite composite nn ops into primitive ones";
  let description = [{
    Rewrites the composite ops into elementwise ops, reductions (with
    `keepdims`) and reshapes, which is all the fuser and codegen see:

    - `softmax`: `e / sum(e)` with `e = exp(x - max(x))`;
    - `log_softmax`: `(x - m) - log(sum(exp(x - m)))`, `m = max(x)`;
    - `layer_norm`, `rms_norm`: mean and biased variance (mean square) over
      `axis..rank-1`, then `* rsqrt(. + eps) * gamma (+ beta)`;
    - `batch_norm`: the `[C]` operands reshaped to `[C, 1, ...]`; running
      statistics, or with `training = true` the biased batch statistics over
      every axis but 1;
    - `mse`: `mean((p - t) * (p - t))`;
    - `cross_entropy`: `-mean(sum(onehot * log_softmax(logits), 1))` with
      `onehot = cast(reshape(labels, [-1, 1]) == [0, C))`. The `[0, C)`
      constant needs a static `C`; with a dynamic `C` the op is kept. A
      label outside `[0, C)` then selects nothing (adds 0 to the sum).

    `silu`, `sigmoid`, `gelu` and `rsqrt` stay (codegen has them). Scalars
    such as `eps` are 0-d `nn.constant`s of the element type. Each
    replacement keeps the composite op's declared result type. Folding and
    dead-op removal are left to `nn-canonicalize`.

    Example (`-nn-decompose`):

    ```mlir
    %p = nn.softmax %x {axis = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
    // becomes
    %m = nn.max %x {axes = array<i64: 1>, keepdims = true} : tensor<?x10xf32> -> tensor<?x1xf32>
    %d = nn.sub %x, %m : tensor<?x10xf32>, tensor<?x1xf32> -> tensor<?x10xf32>
    %e = nn.exp %d : tensor<?x10xf32> -> tensor<?x10xf32>
    %s = nn.sum %e {axes = array<i64: 1>, keepdims = true} : tensor<?x10xf32> -> tensor<?x1xf32>
    %p = nn.div %e, %s : tensor<?x10xf32>, tensor<?x1xf32> -> tensor<?x10xf32>
    ```
  }];
}

def NNAutodiff : Pass<"nn-autodiff", "::mlir::ModuleOp"> {
  let summary = "Add the reverse-mode gradient of the loss and @train_step";
  let description = [{
    For a module with an `nn.train` attribute, clones `@loss` into
    `@loss_grad` (option `loss-grad`), which returns the loss followed by the gradient of the loss
    with respect to each `nn.role = "param"` argument (result `nn.name =
    "grad_<param>"`). Gradients come from reverse-mode accumulation over the
    ops of `@loss`: the 0-d loss is seeded with 1, each op on a path from a
    param to the loss builds its vector-Jacobian product through
    `DifferentiableOpInterface`, and cotangents of values used several times
    are summed. Ops off that path (an `argmax` making a forward output) are
    ignored; an op on it without a gradient rule is an error at its location
    (`no gradient for 'argmax'`). Built ops have inferred types, so dynamic
    dims stay dynamic.

    Example (`-nn-autodiff`), for `loss = sum(x * w)`:

    ```mlir
    func.func @loss_grad(%x: tensor<?x4xf32>, %w: tensor<4xf32> {nn.role = "param"})
        -> (tensor<f32> {nn.name = "loss"}, tensor<4xf32> {nn.name = "grad_w"}) {
      ...
      %g = nn.mul %spread, %x : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
      %gw = nn.sum %g {axes = array<i64: 0>, keepdims = false} : tensor<?x4xf32> -> tensor<4xf32>
      return %l, %gw : tensor<f32>, tensor<4xf32>
    }
    ```

    With `train-step` (the default), also clones `@loss` into
    `@train_step`: the same gradients, then the optimizer of `nn.train`
    (`sgd` with momentum and weight decay, `adam`, `adamw`, PyTorch's update
    rules) as ordinary nn ops. Its state becomes new `nn.role = "state"`
    arguments initialised to zeros: `opt.step` (f32, the step count),
    `opt.m.P`/`opt.v.P` (adam moments) or `opt.buf.P` (sgd momentum). A
    training `batch_norm` whose running statistics are state arguments gets
    PyTorch's running update (unbiased batch variance). `@train_step`
    returns the loss and @loss's outputs, then the next value of each
    updated param or state, marked `nn.update = "NAME"`.
  }];
  let options = [
    Option<"lossGrad", "loss-grad", "bool", /*default=*/"true",
           "Add @loss_grad (the loss and the param gradients)">,
    Option<"trainStep", "train-step", "bool", /*default=*/"true",
           "Add @train_step (gradients and the optimizer update)">
  ];
}

def NNFuse : Pass<"nn-fuse", "::mlir::func::FuncOp"> {
  let summary = "Group ops that can run as one kernel into nn.fusion regions";
  let description = [{
    Pulls elementwise and broadcast producers into the group of their
    consumer (an elementwise op or a sum/max/min/mean reduction), walking
    each function backwards; each group of two or more ops becomes an
    `nn.fusion` region that codegen turns into one kernel. The cost model
    counts DRAM bytes: a producer joins when every user is in the group, or
    when the group is elementwise, the producer has the root's shape (the
    region yields it) and no outside user leads back into
    the group. Matmul and conv keep kernels of their own. See
    passes/fusion/Fuse.cpp.
  }];
  let dependentDialects = ["::nnc::nn::NNDialect"];
}

def NNFuseAttention : Pass<"nn-fuse-attention", "::mlir::func::FuncOp"> {
  let summary = "Rewrite softmax(q @ kT * c + mask) @ v into nn.attention";
  let description = [{
    Finds scaled dot-product attention written out in nn ops --
    `matmul(softmax(matmul(q, kT) * c + mask, axis=-1), v)`, the scale `c` a
    constant (by `mul` or `div`), the mask optional -- and replaces it with
    one `nn.attention`, whose kernel never stores the [..., Tq, Tk] scores;
    nn-autodiff then differentiates the one op (`nn.attention_grad`, which
    recomputes the scores). Runs before nn-autodiff. Only where the kernels
    take it: intermediates used once, one float dtype (f32, f16, bf16), equal
    batch dims, static head sizes of at most 128, a mask [Tq, Tk] that
    depends on no param. See passes/fusion/Attention.cpp.

    Example (`-nn-fuse-attention`):

    ```mlir
    %s = nn.matmul %q, %kT : ... -> tensor<?x4x32x32xf32>
    %c = nn.mul %s, %quarter : tensor<?x4x32x32xf32>, tensor<f32> -> ...
    %p = nn.softmax %c {axis = 3 : i64} : ...
    %o = nn.matmul %p, %v : ...
    // becomes:
    %k = nn.transpose %kT {perm = array<i64: 0, 1, 3, 2>} : ...
    %o = nn.attention %q, %k, %v {scale = 2.500000e-01 : f64} : ...
    ```
  }];
  let dependentDialects = ["::nnc::nn::NNDialect"];
}

#endif // NNC_PASSES_PASSES_TD
