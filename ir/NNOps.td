//===- NNOps.td - The ops of the nn dialect ----------------*- tablegen -*-===//
//
// One op per row of docs/ops.md. Every op except `nn.cast` infers its result
// type (InferTypeOpInterface); the same inference is the verifier, so the
// frontend and the verifier report identical, user-facing messages.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_IR_NNOPS_TD
#define NNC_IR_NNOPS_TD

include "ir/NNBase.td"
include "ir/NNInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.td"

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

class NN_Op<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic, !listconcat([Pure], traits)>;

// An op whose result type follows from its operands and attributes.
// `inferResultType` is the one place that checks them; `verify` and
// `inferReturnTypes` both call it. A declared result type only has to be
// compatible with the inferred one (same dtype and rank, equal static dims).
class NN_InferOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat(traits, [
          DeclareOpInterfaceMethods<InferTypeOpInterface>])> {
  let results = (outs NN_Tensor:$result);
  let hasVerifier = 1;
  code nnInferDecl = [{
    /// Computes the result type from the operand types and attributes.
    /// Problems are reported at `loc` (when given) in nnc's type syntax.
    static ::mlir::FailureOr<::mlir::Type>
    inferResultType(std::optional<::mlir::Location> loc, Adaptor adaptor);

    /// Declared and inferred types need only agree where both are static.
    static bool isCompatibleReturnTypes(::mlir::TypeRange l,
                                        ::mlir::TypeRange r);
  }];
  let extraClassDeclaration = nnInferDecl;
}

class NN_BinaryOp<string mnemonic, string kind, string example,
                  list<Trait> traits = []> : NN_InferOp<mnemonic, traits> {
  let summary = "elementwise " # mnemonic # " with NumPy broadcasting";
  let description = "Elementwise `" # mnemonic # "` of two tensors of the "
      # "same element type (" # kind # "). Shapes broadcast as in NumPy: "
      # "right-aligned, a dim of 1 stretches, `?` against `n` gives `n`."
      # "\n\nExample:\n\n```mlir\n" # example # "\n```\n";
  let arguments = (ins NN_Tensor:$lhs, NN_Tensor:$rhs);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

class NN_UnaryOp<string mnemonic, string kind, string what,
                 list<Trait> traits = []> : NN_InferOp<mnemonic, traits> {
  let summary = "elementwise " # mnemonic;
  let description = "Elementwise " # what # " of a tensor (" # kind
      # "); the result has the operand's type.\n\nExample:\n\n```mlir\n"
      # "%y = nn." # mnemonic # " %x : tensor<?x128xf32> -> tensor<?x128xf32>"
      # "\n```\n";
  let arguments = (ins NN_Tensor:$x);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

class NN_ReduceOp<string mnemonic, string what, list<Trait> traits = []>
    : NN_InferOp<mnemonic, traits> {
  let summary = what # " over axes";
  let description = "Reduces `x` with " # what # " over `axes` (normalized: "
      # "sorted, unique, in range; empty means all axes). With `keepdims` the "
      # "reduced dims stay as 1, otherwise they are removed (all axes without "
      # "keepdims gives a 0-d tensor).\n\nExample:\n\n```mlir\n"
      # "%s = nn." # mnemonic # " %x {axes = array<i64: 1>, keepdims = false}"
      # " : tensor<?x10xf32> -> tensor<?xf32>\n```\n";
  let arguments = (ins NN_Tensor:$x, DenseI64ArrayAttr:$axes,
                   BoolAttr:$keepdims);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def NN_ConstantOp : NN_InferOp<"constant", [ConstantLike]> {
  let summary = "a constant tensor";
  let description = [{
    A tensor whose elements are given by `value`; the result type is the type
    of `value`.

    Example:

    ```mlir
    %c = nn.constant dense<5.000000e-01> : tensor<f32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops
//===----------------------------------------------------------------------===//

def NN_AddOp : NN_BinaryOp<"add", "f32, f16, bf16, i32 or i64",
    "%z = nn.add %x, %b : tensor<?x128xf32>, tensor<128xf32> -> tensor<?x128xf32>",
    [Commutative, NN_Differentiable]> {
  let hasFolder = 1;
}
def NN_SubOp : NN_BinaryOp<"sub", "f32, f16, bf16, i32 or i64",
    "%z = nn.sub %x, %y : tensor<4xi32>, tensor<i32> -> tensor<4xi32>",
    [NN_Differentiable]> {
  let hasFolder = 1;
}
def NN_MulOp : NN_BinaryOp<"mul", "f32, f16, bf16, i32 or i64",
    "%z = nn.mul %x, %y : tensor<2x1xf32>, tensor<3xf32> -> tensor<2x3xf32>",
    [Commutative, NN_Differentiable]> {
  let hasFolder = 1;
}
def NN_DivOp : NN_BinaryOp<"div",
    "f32, f16, bf16, i32 or i64; integer division truncates toward zero",
    "%z = nn.div %x, %y : tensor<?x4xf32>, tensor<4x1x4xf32> -> tensor<4x?x4xf32>",
    [NN_Differentiable]> {
  let hasFolder = 1;
}
def NN_MaximumOp : NN_BinaryOp<"maximum", "f32, f16, bf16, i32 or i64",
    "%z = nn.maximum %x, %y : tensor<8xf32>, tensor<f32> -> tensor<8xf32>",
    [Commutative, NN_Differentiable]>;
def NN_MinimumOp : NN_BinaryOp<"minimum", "f32, f16, bf16, i32 or i64",
    "%z = nn.minimum %x, %y : tensor<8xf32>, tensor<f32> -> tensor<8xf32>",
    [Commutative, NN_Differentiable]>;
def NN_PowOp : NN_BinaryOp<"pow", "f32, f16 or bf16",
    "%z = nn.pow %x, %y : tensor<8xf32>, tensor<f32> -> tensor<8xf32>",
    [NN_Differentiable]>;

def NN_CompareOp : NN_InferOp<"compare", [NN_Differentiable]> {
  let summary = "elementwise comparison with NumPy broadcasting";
  let description = [{
    Compares two tensors of the same element type elementwise; `predicate` is
    one of `"eq" "ne" "lt" "le" "gt" "ge"`. Shapes broadcast as for `nn.add`;
    the result is `i1` (`bool` in nnc).

    Example:

    ```mlir
    %m = nn.compare "lt", %x, %y : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xi1>
    ```
  }];
  let arguments = (ins StrAttr:$predicate, NN_Tensor:$lhs, NN_Tensor:$rhs);
  let assemblyFormat = [{
    $predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->`
    type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

def NN_NegOp : NN_UnaryOp<"neg", "f32, f16, bf16, i32 or i64", "negation",
                          [NN_Differentiable]> {
  let hasFolder = 1;
}
def NN_AbsOp : NN_UnaryOp<"abs", "f32, f16, bf16, i32 or i64", "absolute value",
                          [NN_Differentiable]>;
def NN_ExpOp : NN_UnaryOp<"exp", "float", "`e^x`", [NN_Differentiable]>;
def NN_LogOp : NN_UnaryOp<"log", "float", "natural logarithm", [NN_Differentiable]>;
def NN_SqrtOp : NN_UnaryOp<"sqrt", "float", "square root", [NN_Differentiable]>;
def NN_RsqrtOp : NN_UnaryOp<"rsqrt", "float", "`1 / sqrt(x)`", [NN_Differentiable]>;
def NN_TanhOp : NN_UnaryOp<"tanh", "float", "hyperbolic tangent", [NN_Differentiable]>;
def NN_SigmoidOp : NN_UnaryOp<"sigmoid", "float", "`1 / (1 + exp(-x))`",
                              [NN_Differentiable]>;
def NN_ReluOp : NN_UnaryOp<"relu", "float", "`max(x, 0)`", [NN_Differentiable]>;
def NN_SiluOp : NN_UnaryOp<"silu", "float", "`x * sigmoid(x)`",
                           [NN_Differentiable]>;

def NN_GeluOp : NN_InferOp<"gelu", [NN_Differentiable]> {
  let summary = "elementwise GELU";
  let description = [{
    Gaussian error linear unit of a float tensor. `approximate` is `"none"`
    (`0.5 x (1 + erf(x / sqrt 2))`) or `"tanh"`
    (`0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`).

    Example:

    ```mlir
    %y = nn.gelu %x {approximate = "tanh"} : tensor<?x768xf32> -> tensor<?x768xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, StrAttr:$approximate);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

def NN_WhereOp : NN_InferOp<"where", [NN_Differentiable]> {
  let summary = "elementwise select with NumPy broadcasting";
  let description = [{
    `cond ? lhs : rhs` elementwise. `cond` is `i1`; `lhs` and `rhs` have the
    same element type, which is the result's; the shape is the broadcast of
    all three.

    Example:

    ```mlir
    %z = nn.where %c, %x, %y : tensor<4xi1>, tensor<4xf32>, tensor<f32> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$cond, NN_Tensor:$lhs, NN_Tensor:$rhs);
  let assemblyFormat = [{
    $cond `,` $lhs `,` $rhs attr-dict `:` type($cond) `,` type($lhs) `,`
    type($rhs) `->` type($result)
  }];
}

def NN_CastOp : NN_Op<"cast", [NN_Differentiable]> {
  let summary = "elementwise conversion to another element type";
  let description = [{
    Converts every element to the result's element type; the shape is kept.
    Float to int truncates toward zero; to `i1` is `x != 0`. The target dtype
    is the result type's element type, so this is the one op whose result
    type is not inferred; build it with `CastOp::build(b, state, x, dtype)`.

    Example:

    ```mlir
    %h = nn.cast %x : tensor<?x4xf32> -> tensor<?x4xf16>
    ```
  }];
  let arguments = (ins NN_Tensor:$x);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "::mlir::Type":$dtype)>
  ];
  let extraClassDeclaration = [{
    /// The result type of casting `x` to `dtype`; reports at `loc`.
    static ::mlir::FailureOr<::mlir::Type>
    inferResultType(std::optional<::mlir::Location> loc, ::mlir::Type x,
                    ::mlir::Type dtype);
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

def NN_SumOp : NN_ReduceOp<"sum", "the sum (f32, f16, bf16, i32 or i64)",
                           [NN_Differentiable]>;
def NN_MeanOp : NN_ReduceOp<"mean", "the arithmetic mean (float only)",
                            [NN_Differentiable]>;
def NN_MaxOp : NN_ReduceOp<"max", "the maximum (f32, f16, bf16, i32 or i64)",
                           [NN_Differentiable]>;
def NN_MinOp : NN_ReduceOp<"min", "the minimum (f32, f16, bf16, i32 or i64)",
                           [NN_Differentiable]>;

def NN_ArgmaxOp : NN_InferOp<"argmax"> {
  let summary = "index of the maximum along an axis";
  let description = [{
    The `i64` index of the first maximum of `x` along `axis` (normalized).
    With `keepdims` the axis stays as 1.

    Example:

    ```mlir
    %i = nn.argmax %x {axis = 1 : i64, keepdims = false} : tensor<?x10xf32> -> tensor<?xi64>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, I64Attr:$axis, BoolAttr:$keepdims);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

def NN_SoftmaxOp : NN_InferOp<"softmax", [NN_Differentiable]> {
  let summary = "softmax along an axis";
  let description = [{
    `exp(x) / sum(exp(x))` along `axis` (normalized) of a float tensor.

    Example:

    ```mlir
    %p = nn.softmax %x {axis = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, I64Attr:$axis);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

def NN_LogSoftmaxOp : NN_InferOp<"log_softmax", [NN_Differentiable]> {
  let summary = "log of softmax along an axis";
  let description = [{
    `x - log(sum(exp(x)))` along `axis` (normalized) of a float tensor.

    Example:

    ```mlir
    %p = nn.log_softmax %x {axis = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, I64Attr:$axis);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

def NN_LayerNormOp : NN_InferOp<"layer_norm", [NN_Differentiable]> {
  let summary = "layer normalization over the trailing dims";
  let description = [{
    `(x - mean) / sqrt(var + eps) * gamma + beta` with the mean and the
    biased variance over dims `axis..rank-1`; `gamma` and `beta` have shape
    `x.shape[axis:]` and the dtype of `x` (float).

    Example:

    ```mlir
    %y = nn.layer_norm %x, %g, %b {axis = 1 : i64, eps = 1.0e-05 : f64}
        : tensor<?x512xf32>, tensor<512xf32>, tensor<512xf32> -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$gamma, NN_Tensor:$beta,
                   I64Attr:$axis, F64Attr:$eps);
  let assemblyFormat = [{
    $x `,` $gamma `,` $beta attr-dict `:` type($x) `,` type($gamma) `,`
    type($beta) `->` type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "::mlir::Value":$gamma,
                   "::mlir::Value":$beta, "int64_t":$axis, "double":$eps)>
  ];
}

def NN_RmsNormOp : NN_InferOp<"rms_norm", [NN_Differentiable]> {
  let summary = "RMS normalization over the trailing dims";
  let description = [{
    `x / sqrt(mean(x^2) + eps) * gamma` with the mean over dims
    `axis..rank-1`; `gamma` has shape `x.shape[axis:]` and the dtype of `x`
    (float).

    Example:

    ```mlir
    %y = nn.rms_norm %x, %g {axis = 2 : i64, eps = 1.0e-06 : f64}
        : tensor<2x?x64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$gamma, I64Attr:$axis,
                   F64Attr:$eps);
  let assemblyFormat = [{
    $x `,` $gamma attr-dict `:` type($x) `,` type($gamma) `->` type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "::mlir::Value":$gamma,
                   "int64_t":$axis, "double":$eps)>
  ];
}

def NN_BatchNormOp : NN_InferOp<"batch_norm", [NN_Differentiable]> {
  let summary = "batch normalization over channel axis 1";
  let description = [{
    `x` is `[N, C, ...]` (float); `gamma`, `beta`, `mean` and `var` are
    `[C]` of the same dtype. With `training = false` the result is
    `(x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c]`; with
    `training = true` the batch statistics (biased variance) replace
    `mean`/`var`, and `momentum` is the running-statistics update rate.

    Example:

    ```mlir
    %y = nn.batch_norm %x, %g, %b, %m, %v {eps = 1.0e-05 : f64, momentum = 1.0e-01 : f64, training = false}
        : tensor<?x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>
        -> tensor<?x16x8x8xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$gamma, NN_Tensor:$beta,
                   NN_Tensor:$mean, NN_Tensor:$var, F64Attr:$momentum,
                   F64Attr:$eps, BoolAttr:$training);
  let assemblyFormat = [{
    $x `,` $gamma `,` $beta `,` $mean `,` $var attr-dict `:` type($x) `,`
    type($gamma) `,` type($beta) `,` type($mean) `,` type($var) `->`
    type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "::mlir::Value":$gamma,
                   "::mlir::Value":$beta, "::mlir::Value":$mean,
                   "::mlir::Value":$var, "double":$momentum, "double":$eps,
                   "bool":$training)>
  ];
}

//===----------------------------------------------------------------------===//
// Linear algebra, convolution and pooling
//===----------------------------------------------------------------------===//

def NN_MatmulOp : NN_InferOp<"matmul", [NN_Differentiable]> {
  let summary = "batched matrix product (NumPy matmul)";
  let description = [{
    `lhs [..., M, K] @ rhs [..., K, N] -> [..., M, N]` with the batch dims
    broadcast. A rank-1 `lhs` is promoted to `[1, K]` and a rank-1 `rhs` to
    `[K, 1]`; the promoted dim is removed from the result. Both operands have
    the same numeric dtype.

    Example:

    ```mlir
    %y = nn.matmul %x, %w : tensor<?x784xf32>, tensor<784x128xf32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$lhs, NN_Tensor:$rhs);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

def NN_Conv2DOp : NN_InferOp<"conv2d", [NN_Differentiable]> {
  let summary = "2-D convolution (NCHW input, OIHW weights)";
  let description = [{
    `x [N, C, H, W]`, `w [O, C/groups, kh, kw]` and an optional `bias [O]`
    (float, one dtype). `stride`, `padding` (symmetric per side) and
    `dilation` are `[h, w]`. The result is `[N, O, Ho, Wo]` with
    `Ho = (H + 2 ph - dh (kh - 1) - 1) / sh + 1` (likewise `Wo`).

    Example:

    ```mlir
    %y = nn.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64,
                               padding = array<i64: 1, 1>, stride = array<i64: 1, 1>}
        : tensor<?x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<?x16x32x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$w, Optional<NN_Tensor>:$bias,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                   DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let assemblyFormat = [{
    $x `,` $w (`,` $bias^)? attr-dict `:` type($x) `,` type($w)
    (`,` type($bias)^)? `->` type($result)
  }];
}

class NN_Pool2DOp<string mnemonic, string what, list<Trait> traits = []>
    : NN_InferOp<mnemonic, traits> {
  let summary = "2-D " # what # " pooling (NCHW)";
  let description = "Pools `x [N, C, H, W]` with " # what # " over `kernel` "
      # "windows moved by `stride`, after `padding` (symmetric per side, at "
      # "most half the kernel). The result is `[N, C, Ho, Wo]` with "
      # "`Ho = (H + 2 ph - kh) / sh + 1`. Max pooling pads with -inf; "
      # "average pooling counts padded cells.\n\nExample:\n\n```mlir\n"
      # "%y = nn." # mnemonic # " %x {kernel = array<i64: 2, 2>, "
      # "padding = array<i64: 0, 0>, stride = array<i64: 2, 2>}\n"
      # "    : tensor<?x16x32x32xf32> -> tensor<?x16x16x16xf32>\n```\n";
  let arguments = (ins NN_Tensor:$x, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

def NN_MaxPool2DOp
    : NN_Pool2DOp<"max_pool2d", "maximum", [NN_Differentiable]>;
def NN_AvgPool2DOp
    : NN_Pool2DOp<"avg_pool2d", "average", [NN_Differentiable]>;

def NN_GlobalAvgPoolOp : NN_InferOp<"global_avg_pool", [NN_Differentiable]> {
  let summary = "average over the spatial dims (NCHW)";
  let description = [{
    The mean of `x [N, C, H, W]` over `H` and `W`, as `[N, C]`.

    Example:

    ```mlir
    %y = nn.global_avg_pool %x : tensor<?x64x7x7xf32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Attention (made by nn-fuse-attention; one kernel each, scores never stored)
//===----------------------------------------------------------------------===//

def NN_AttentionOp : NN_InferOp<"attention", [NN_Differentiable]> {
  let summary = "scaled dot-product attention";
  let description = [{
    `softmax(scale * q @ k^T + mask, axis=-1) @ v` for `q [..., Tq, D]`,
    `k [..., Tk, D]`, `v [..., Tk, Dv]` (f32, f16 or bf16, one dtype, the
    same batch dims, static head sizes D and Dv of 1 to 128) and an optional
    `mask [Tq, Tk]` of their dtype, added to every batch's scores. The result is `[..., Tq, Dv]`. The scores and the
    probabilities are computed in f32 and never stored. `mask` gets no
    gradient (nn-fuse-attention only matches masks that are inputs or
    constants).

    Example:

    ```mlir
    %o = nn.attention %q, %k, %v, %m {scale = 1.250000e-01 : f64}
        : tensor<?x12x1024x64xbf16>, tensor<?x12x1024x64xbf16>,
          tensor<?x12x1024x64xbf16>, tensor<1024x1024xbf16>
        -> tensor<?x12x1024x64xbf16>
    ```
  }];
  let arguments = (ins NN_Tensor:$q, NN_Tensor:$k, NN_Tensor:$v,
                   Optional<NN_Tensor>:$mask, F64Attr:$scale);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`,` $mask^)? attr-dict `:` type($q) `,` type($k) `,`
    type($v) (`,` type($mask)^)? `->` type($result)
  }];
}

def NN_AttentionLseOp : NN_InferOp<"attention_lse"> {
  let summary = "the log-sum-exp of each row of attention scores";
  let description = [{
    `log(sum(exp(scale * q @ k^T + mask), axis=-1))` as f32 `[..., Tq]`,
    operands as for `nn.attention`: what the gradient of `nn.attention`
    needs of the forward pass instead of the probabilities.

    Example:

    ```mlir
    %l = nn.attention_lse %q, %k {scale = 2.500000e-01 : f64}
        : tensor<?x4x32x16xf32>, tensor<?x4x32x16xf32> -> tensor<?x4x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$q, NN_Tensor:$k, Optional<NN_Tensor>:$mask,
                   F64Attr:$scale);
  let assemblyFormat = [{
    $q `,` $k (`,` $mask^)? attr-dict `:` type($q) `,` type($k)
    (`,` type($mask)^)? `->` type($result)
  }];
}

def NN_AttentionGradOp : NN_InferOp<"attention_grad"> {
  let summary = "one gradient of nn.attention";
  let description = [{
    The gradient of `nn.attention` (operands `q, k, v, mask`, same `scale`)
    with respect to `wrt` (`"q"`, `"k"` or `"v"`), given `lse`
    (`nn.attention_lse`, f32 `[..., Tq]`), `delta = sum(dout * out,
    axis=-1)` (f32 `[..., Tq]`) and the cotangent `dout [..., Tq, Dv]`. With
    `p = exp(scale * q @ k^T + mask - lse)` and `ds = p * (dout @ v^T -
    delta)`: `dq = scale * ds @ k`, `dk = scale * ds^T @ q`,
    `dv = p^T @ dout`. The result has the shape of `wrt`'s operand.

    Example:

    ```mlir
    %dq = nn.attention_grad %q, %k, %v, %l, %d, %g {scale = 2.500000e-01 : f64, wrt = "q"}
        : tensor<?x4x32x16xf32>, tensor<?x4x32x16xf32>, tensor<?x4x32x16xf32>,
          tensor<?x4x32xf32>, tensor<?x4x32xf32>, tensor<?x4x32x16xf32>
        -> tensor<?x4x32x16xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$q, NN_Tensor:$k, NN_Tensor:$v,
                   NN_Tensor:$lse, NN_Tensor:$delta, NN_Tensor:$dout,
                   Optional<NN_Tensor>:$mask, F64Attr:$scale, StrAttr:$wrt);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $lse `,` $delta `,` $dout (`,` $mask^)? attr-dict `:`
    type($q) `,` type($k) `,` type($v) `,` type($lse) `,` type($delta) `,`
    type($dout) (`,` type($mask)^)? `->` type($result)
  }];
}

// Not an op of models: what nnc-lower-to-linalg makes of the attention ops,
// in destination-passing style so that it bufferizes (tensors in, written
// into `outputs`); on memrefs nnc-gpu-attention turns it into a launch.
def NN_AttentionKernelOp : Op<NN_Dialect, "attention_kernel", [
    AttrSizedOperandSegments, DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<BufferizableOpInterface, [
        "bufferizesToMemoryRead", "bufferizesToMemoryWrite",
        "getAliasingValues", "bufferize"]>]> {
  let summary = "an attention kernel on tensors or memrefs (codegen only)";
  let description = [{
    `kind` says what it computes, from `inputs` into `outputs`:
    - `forward`: q, k, v[, mask] -> out[, lse] (nn.attention and, where one
      has the same operands, nn.attention_lse in one kernel);
    - `lse`: q, k[, mask] -> lse;
    - `grad_q`, `grad_k`, `grad_v`: q, k, v, lse, delta, dout[, mask] -> the
      gradient (nn.attention_grad);
    - `grad_kv`: the same inputs -> dk, dv (the nn.attention_grad ops for k
      and v of the same operands, one kernel).
    `masked` says whether the mask is there. On tensors each output has a
    result; on memrefs there are none.

    Example:

    ```mlir
    %o, %l = nn.attention_kernel ins(%q, %k, %v : tensor<2x4x32x16xf32>,
        tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>)
        outs(%e0, %e1 : tensor<2x4x32x16xf32>, tensor<2x4x32xf32>)
        {kind = "forward", scale = 2.500000e-01 : f64}
        -> tensor<2x4x32x16xf32>, tensor<2x4x32xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyShaped>:$inputs,
                   Variadic<AnyShaped>:$outputs, StrAttr:$kind,
                   F64Attr:$scale, UnitAttr:$masked);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    `ins` `(` $inputs `:` type($inputs) `)` `outs` `(` $outputs `:`
    type($outputs) `)` attr-dict (`->` type($results)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getOutputsMutable();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def NN_ReshapeOp : NN_InferOp<"reshape", [NN_Differentiable]> {
  let summary = "same elements, new shape";
  let description = [{
    Reinterprets `x` (row-major) with the shape `shape`; at most one entry is
    `-1`, inferred from the element count (`?` while `x` has dynamic dims).

    Example:

    ```mlir
    %y = nn.reshape %x {shape = array<i64: -1, 784>} : tensor<?x28x28xf32> -> tensor<?x784xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, DenseI64ArrayAttr:$shape);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def NN_TransposeOp : NN_InferOp<"transpose", [NN_Differentiable]> {
  let summary = "permutes the dims";
  let description = [{
    Result dim `i` is input dim `perm[i]`; `perm` is a permutation of
    `0..rank-1`.

    Example:

    ```mlir
    %y = nn.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<?x3x5xf32> -> tensor<?x5x3xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, DenseI64ArrayAttr:$perm);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def NN_FlattenOp : NN_InferOp<"flatten", [NN_Differentiable]> {
  let summary = "flattens into two dims around an axis";
  let description = [{
    `[prod(d[:axis]), prod(d[axis:])]` with `0 <= axis <= rank` (an empty
    product is 1).

    Example:

    ```mlir
    %y = nn.flatten %x {axis = 1 : i64} : tensor<?x16x4x4xf32> -> tensor<?x256xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, I64Attr:$axis);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

def NN_ConcatOp : NN_InferOp<"concat", [NN_Differentiable]> {
  let summary = "joins tensors along an axis";
  let description = [{
    One or more tensors of the same dtype and rank, equal in every dim but
    `axis` (normalized), joined along `axis`.

    Example:

    ```mlir
    %y = nn.concat %a, %b {axis = 1 : i64} : tensor<?x3xf32>, tensor<?x5xf32> -> tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Variadic<NN_Tensor>:$inputs, I64Attr:$axis);
  let assemblyFormat = [{
    $inputs attr-dict `:` type($inputs) `->` type($result)
  }];
  let hasFolder = 1;
}

def NN_SliceOp : NN_InferOp<"slice", [NN_Differentiable]> {
  let summary = "a strided range along one axis";
  let description = [{
    `x[..., start:end:step, ...]` on `axis` with Python semantics: a negative
    `start`/`end` counts from the end, both are clamped to the dim, and
    `step >= 1`. To slice to the end of a dim of unknown size use
    `end = 9223372036854775807` (INT64_MAX).

    Example:

    ```mlir
    %y = nn.slice %x {axis = 1 : i64, end = 8 : i64, start = 2 : i64, step = 2 : i64}
        : tensor<?x10xf32> -> tensor<?x3xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, I64Attr:$axis, I64Attr:$start,
                   I64Attr:$end, I64Attr:$step);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasFolder = 1;
}

def NN_BroadcastToOp : NN_InferOp<"broadcast_to", [NN_Differentiable]> {
  let summary = "broadcasts to a shape";
  let description = [{
    NumPy `broadcast_to(x, shape)`: `x` is right-aligned with `shape` and its
    dims of 1 stretch. An entry `-1` keeps the input's right-aligned dim
    (how a dynamic dim is broadcast).

    Example:

    ```mlir
    %y = nn.broadcast_to %x {shape = array<i64: -1, 4, 128>} : tensor<?x1x128xf32> -> tensor<?x4x128xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, DenseI64ArrayAttr:$shape);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasFolder = 1;
}

def NN_GatherOp : NN_InferOp<"gather", [NN_Differentiable]> {
  let summary = "takes slices along an axis (NumPy take)";
  let description = [{
    `x.shape[:axis] + indices.shape + x.shape[axis+1:]`; `indices` are `i32`
    or `i64`.

    Example:

    ```mlir
    %y = nn.gather %x, %i {axis = 0 : i64} : tensor<10x4xf32>, tensor<?xi64> -> tensor<?x4xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$indices, I64Attr:$axis);
  let assemblyFormat = [{
    $x `,` $indices attr-dict `:` type($x) `,` type($indices) `->`
    type($result)
  }];
}

def NN_EmbeddingOp : NN_InferOp<"embedding", [NN_Differentiable]> {
  let summary = "looks rows of a table up";
  let description = [{
    `table [V, D]` indexed by integer `ids`; the result is `ids.shape + [D]`.

    Example:

    ```mlir
    %e = nn.embedding %t, %ids : tensor<1000x64xf32>, tensor<?x16xi32> -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$table, NN_Tensor:$ids);
  let assemblyFormat = [{
    $table `,` $ids attr-dict `:` type($table) `,` type($ids) `->`
    type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Losses and regularization
//===----------------------------------------------------------------------===//

def NN_CrossEntropyOp : NN_InferOp<"cross_entropy", [NN_Differentiable]> {
  let summary = "mean softmax cross-entropy with integer labels";
  let description = [{
    `logits [B, C]` (float) and `labels [B]` (`i32`/`i64`); the 0-d result is
    the mean over the batch of `-log_softmax(logits)[b, labels[b]]`.

    Example:

    ```mlir
    %l = nn.cross_entropy %logits, %y : tensor<?x10xf32>, tensor<?xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins NN_Tensor:$logits, NN_Tensor:$labels);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels) `->`
    type($result)
  }];
}

def NN_MseOp : NN_InferOp<"mse", [NN_Differentiable]> {
  let summary = "mean squared error";
  let description = [{
    The 0-d mean over all elements of `(pred - target)^2`; both operands
    have the same (float) type.

    Example:

    ```mlir
    %l = nn.mse %p, %t : tensor<?x1xf32>, tensor<?x1xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins NN_Tensor:$pred, NN_Tensor:$target);
  let assemblyFormat = [{
    $pred `,` $target attr-dict `:` type($pred) `,` type($target) `->`
    type($result)
  }];
}

def NN_DropoutOp : NN_InferOp<"dropout", [NN_Differentiable]> {
  let summary = "random zeroing in training";
  let description = [{
    With `training = false` (the `forward` entry) the identity. With
    `training = true` (the `loss` entry and what is built from it) each
    element is kept with probability `1 - p` (`0 <= p < 1`) and scaled by
    `1 / (1 - p)`, else zeroed. The draw for element `i` (row-major) is
    Philox 4x32-10 under key `(seed lo, seed hi)` at counter
    `(i lo, i hi, uint32(step), 0)`, `u = (w0 >> 8) * 2^-24`, keep iff
    `u >= p` (docs/graph-format.md). `step` is an optional 0-d f32 holding
    the optimizer step count (a whole number below 2^24), so that each step
    draws a new mask; absent, it is 0.

    Example:

    ```mlir
    %y = nn.dropout %x {p = 5.000000e-01 : f64, seed = 0 : i64} : tensor<?x128xf32> -> tensor<?x128xf32>
    %z = nn.dropout %x, %step {p = 1.000000e-01 : f64, seed = 3 : i64, training = true}
        : tensor<?x128xf32>, tensor<f32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, Optional<NN_Tensor>:$step, F64Attr:$p,
                   I64Attr:$seed,
                   DefaultValuedAttr<BoolAttr, "false">:$training);
  let assemblyFormat = [{
    $x (`,` $step^)? attr-dict `:` type($x) (`,` type($step)^)? `->`
    type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "double":$p, "int64_t":$seed,
                   CArg<"bool", "false">:$training,
                   CArg<"::mlir::Value", "{}">:$step)>
  ];
}

//===----------------------------------------------------------------------===//
// Backward ops: built by gradient rules (ir/NNGradientsConv.cpp), not by the
// frontend. Each takes the cotangent `dy` of a forward result and the forward
// op's attributes; sizes that the forward result cannot tell (a stride drops
// trailing rows) are attributes.
//===----------------------------------------------------------------------===//

def NN_Conv2DGradInputOp : NN_InferOp<"conv2d_grad_input"> {
  let summary = "gradient of conv2d with respect to its input";
  let description = [{
    The transposed convolution: from the cotangent `dy [N, O, Ho, Wo]` of an
    `nn.conv2d` result and its weights `w [O, C/groups, kh, kw]` (float, one
    dtype), the cotangent `[N, C, H, W]` of its input `x`:

        dx[n, c, h, w] = sum dy[n, o, ho, wo] * w[o, c mod C/groups, i, j]

    over the `o` of `c`'s group and the `ho, wo, i, j` with
    `ho sh - ph + i dh = h` and `wo sw - pw + j dw = w`. `stride`, `padding`,
    `dilation` and `groups` are the forward conv's; `input_size = [H, W]` is
    its input's (with a stride, `Ho` does not determine `H`), and `Ho, Wo`
    must be what conv2d gives for them. Input rows no window reads get 0.

    Example:

    ```mlir
    %dx = nn.conv2d_grad_input %dy, %w {dilation = array<i64: 1, 1>,
              groups = 1 : i64, input_size = array<i64: 28, 28>,
              padding = array<i64: 2, 2>, stride = array<i64: 1, 1>}
        : tensor<?x16x28x28xf32>, tensor<16x1x5x5xf32> -> tensor<?x1x28x28xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$dy, NN_Tensor:$w,
                   DenseI64ArrayAttr:$input_size, DenseI64ArrayAttr:$stride,
                   DenseI64ArrayAttr:$padding, DenseI64ArrayAttr:$dilation,
                   I64Attr:$groups);
  let assemblyFormat = [{
    $dy `,` $w attr-dict `:` type($dy) `,` type($w) `->` type($result)
  }];
}

def NN_Conv2DGradWeightOp : NN_InferOp<"conv2d_grad_weight"> {
  let summary = "gradient of conv2d with respect to its weights";
  let description = [{
    From the input `x [N, C, H, W]` of an `nn.conv2d` and the cotangent
    `dy [N, O, Ho, Wo]` of its result (float, one dtype), the cotangent
    `[O, C/groups, kh, kw]` of its weights, a correlation of the zero-padded
    `x` with `dy`:

        dw[o, c, i, j] = sum over n, ho, wo of
            x[n, g C/groups + c, ho sh - ph + i dh, wo sw - pw + j dw]
              * dy[n, o, ho, wo]

    with `g = o / (O/groups)` and out-of-range `x` reading 0. `stride`,
    `padding`, `dilation` and `groups` are the forward conv's;
    `kernel_size = [kh, kw]` its weights' (with a stride, `Ho` does not
    determine `kh`), and `Ho, Wo` must be what conv2d gives.

    Example:

    ```mlir
    %dw = nn.conv2d_grad_weight %x, %dy {dilation = array<i64: 1, 1>,
              groups = 1 : i64, kernel_size = array<i64: 5, 5>,
              padding = array<i64: 2, 2>, stride = array<i64: 1, 1>}
        : tensor<?x1x28x28xf32>, tensor<?x16x28x28xf32> -> tensor<16x1x5x5xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$dy,
                   DenseI64ArrayAttr:$kernel_size, DenseI64ArrayAttr:$stride,
                   DenseI64ArrayAttr:$padding, DenseI64ArrayAttr:$dilation,
                   I64Attr:$groups);
  let assemblyFormat = [{
    $x `,` $dy attr-dict `:` type($x) `,` type($dy) `->` type($result)
  }];
}

def NN_MaxPool2DGradOp : NN_InferOp<"max_pool2d_grad"> {
  let summary = "gradient of max_pool2d with respect to its input";
  let description = [{
    From the input `x [N, C, H, W]` of an `nn.max_pool2d` and the cotangent
    `dy [N, C, Ho, Wo]` of its result (float, one dtype), the cotangent of
    `x`: each window's `dy` goes to the one cell of the window that holds its
    maximum, summed where windows overlap. The cell is PyTorch's: among the
    window's cells inside `x` (padding is never chosen), the first maximum
    in row-major order; a window holding NaN picks its last NaN, one holding
    only -inf its first cell. `kernel`, `stride` and `padding` are the
    forward op's.

    Example:

    ```mlir
    %dx = nn.max_pool2d_grad %x, %dy {kernel = array<i64: 2, 2>,
              padding = array<i64: 0, 0>, stride = array<i64: 2, 2>}
        : tensor<?x16x28x28xf32>, tensor<?x16x14x14xf32> -> tensor<?x16x28x28xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$dy, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding);
  let assemblyFormat = [{
    $x `,` $dy attr-dict `:` type($x) `,` type($dy) `->` type($result)
  }];
  let extraClassDeclaration = nnInferDecl # [{
    /// Whether the windows tile x exactly (stride = kernel, no padding, H
    /// and W static whole windows) and are small (at most 16 cells): each
    /// cell of x lies in one window, so dx is elementwise over x (nn-fuse
    /// groups it as such; the lowering is one generic over x's cells).
    bool hasDisjointWindows();
  }];
}

def NN_AvgPool2DGradOp : NN_InferOp<"avg_pool2d_grad"> {
  let summary = "gradient of avg_pool2d with respect to its input";
  let description = [{
    From the cotangent `dy [N, C, Ho, Wo]` (float) of an `nn.avg_pool2d`
    result, the cotangent `[N, C, H, W]` of its input: every cell of `x`
    receives `dy / (kh kw)` from each window that covers it (the forward op
    divides by the whole window, padded cells included). `kernel`, `stride`
    and `padding` are the forward op's, `input_size = [H, W]` its input's,
    and `Ho, Wo` must be what avg_pool2d gives for them.

    Example:

    ```mlir
    %dx = nn.avg_pool2d_grad %dy {input_size = array<i64: 32, 32>,
              kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>,
              stride = array<i64: 2, 2>}
        : tensor<?x16x16x16xf32> -> tensor<?x16x32x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$dy, DenseI64ArrayAttr:$input_size,
                   DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$stride,
                   DenseI64ArrayAttr:$padding);
  let assemblyFormat = "$dy attr-dict `:` type($dy) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Gradient helpers of gather, embedding and slice (ir/NNGradients.cpp)
//===----------------------------------------------------------------------===//

def NN_ScatterAddOp : NN_InferOp<"scatter_add"> {
  let summary = "adds slices into a tensor along an axis (inverse of gather)";
  let description = [{
    `x` with the slices of `updates` added at `indices` along `axis`: for
    every position `(p, j, q)` of `updates`, with `p` the `axis` leading dims,
    `j` an index into `indices` and `q` the trailing dims,
    `result[p, indices[j], q] += updates[p, j, q]`. Repeated indices
    accumulate; negative ones count from the end (as `nn.gather`). `updates`
    has the shape `nn.gather` gives, `x.shape[:axis] + indices.shape +
    x.shape[axis+1:]`, and `x`'s dtype (numeric); `indices` are `i32` or
    `i64`. The result has `x`'s type. This is the gradient of `nn.gather`
    (and `nn.embedding`) with respect to `x`, with `x` zeros.

    Example:

    ```mlir
    %y = nn.scatter_add %x, %i, %u {axis = 0 : i64}
        : tensor<10x4xf32>, tensor<?xi64>, tensor<?x4xf32> -> tensor<10x4xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$x, NN_Tensor:$indices, NN_Tensor:$updates,
                   I64Attr:$axis);
  let assemblyFormat = [{
    $x `,` $indices `,` $updates attr-dict `:` type($x) `,` type($indices)
    `,` type($updates) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Fusion regions (nn-fuse)
//===----------------------------------------------------------------------===//

def NN_FusionOp : NN_Op<"fusion", [SingleBlock]> {
  let summary = "ops that run as one kernel";
  let description = [{
    Made by `nn-fuse`: the ops of the region run as one kernel, so the values
    they hand each other never reach device memory. The region reads values
    defined above it directly; `nn.yield` gives the values used after it, in
    the order of the results. `kind` says what the kernel is built around
    (`elementwise`, `reduction`, or `row`: reductions over the trailing axes
    with their producers and consumers, one workgroup per row). Codegen
    lowers the region's ops to linalg, fuses them into one linalg op (a
    `row` region: marks its linalg ops for `nnc-gpu-row-kernels`) and
    inlines the region.

    ```mlir
    %r = nn.fusion {kind = "elementwise"} : tensor<?x64xf32> {
      %0 = nn.add %x, %b : tensor<?x64xf32>, tensor<64xf32>
      %1 = nn.gelu %0 {approximate = "none"} : tensor<?x64xf32>
      nn.yield %1 : tensor<?x64xf32>
    }
    ```
  }];
  let arguments = (ins OptionalAttr<StrAttr>:$kind);
  let results = (outs Variadic<NN_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "attr-dict `:` type($results) $body";
  let hasVerifier = 1;
}

def NN_YieldOp : NN_Op<"yield", [Terminator, HasParent<"FusionOp">]> {
  let summary = "the results of an nn.fusion region";
  let arguments = (ins Variadic<NN_Tensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // NNC_IR_NNOPS_TD
