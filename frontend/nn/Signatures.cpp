// Signatures: the one table of every callable in .nn (operators, initializers,
// optimizers) with its parameters, their kinds and their defaults.
#include "frontend/nn/Signatures.h"

#include <vector>

using namespace nnc::nnlang;
using Cat = Signature::Category;
using K = ArgKind;

const char *nnc::nnlang::argKindName(ArgKind kind) {
  switch (kind) {
  case K::Tensor: return "a tensor";
  case K::OptTensor: return "a tensor";
  case K::TensorList: return "a list of tensors";
  case K::Int: return "an integer";
  case K::Ints: return "an integer or a list of integers";
  case K::IntList: return "a list of integers";
  case K::Float: return "a number";
  case K::Bool: return "true or false";
  case K::String: return "a string";
  case K::Dtype:
    return "a dtype (f64, f32, f16, bf16, i8, i16, i32, i64, u8, u16, u32, "
           "u64 or bool)";
  }
  return "a value";
}

static ParamSpec req(const char *name, ArgKind kind = K::Tensor) {
  return {name, kind, nullptr, false};
}
static ParamSpec pos(const char *name, ArgKind kind, const char *def) {
  return {name, kind, def, false};
}
static ParamSpec kw(const char *name, ArgKind kind, const char *def,
                    const char *choices = nullptr) {
  return {name, kind, def, true, choices};
}

static std::vector<Signature> buildTable() {
  std::vector<Signature> t;
  auto op = [&](const char *name, std::vector<ParamSpec> params,
                bool literals = false, const char *note = "") {
    t.push_back({name, Cat::Operator, std::move(params), literals, note});
  };
  for (const char *name : {"add", "sub", "mul", "div", "maximum", "minimum",
                           "pow"})
    op(name, {req("lhs"), req("rhs")}, true);
  for (const char *name : {"neg", "abs", "exp", "log", "sqrt", "rsqrt", "tanh",
                           "sigmoid", "relu", "silu"})
    op(name, {req("x")});
  op("gelu", {req("x"), kw("approximate", K::String, "\"none\"", "none|tanh")});
  op("where", {req("cond"), req("lhs"), req("rhs")}, true);
  op("cast", {req("x"), kw("dtype", K::Dtype, nullptr)});
  for (const char *name : {"sum", "mean", "max", "min"})
    op(name, {req("x"), kw("axis", K::Ints, ""), kw("keepdims", K::Bool, "false")},
       false, "no axis: all axes");
  op("argmax", {req("x"), kw("axis", K::Int, "-1"), kw("keepdims", K::Bool, "false")});
  op("softmax", {req("x"), kw("axis", K::Int, "-1")});
  op("log_softmax", {req("x"), kw("axis", K::Int, "-1")});
  op("layer_norm", {req("x"), req("gamma"), req("beta"), kw("axis", K::Int, "-1"),
                    kw("eps", K::Float, "1e-5")});
  op("rms_norm", {req("x"), req("gamma"), kw("axis", K::Int, "-1"),
                  kw("eps", K::Float, "1e-6")});
  op("batch_norm", {req("x"), req("gamma"), req("beta"), req("mean"),
                    req("var"), kw("momentum", K::Float, "0.1"),
                    kw("eps", K::Float, "1e-5")});
  op("matmul", {req("lhs"), req("rhs")});
  op("conv2d", {req("x"), req("w"), pos("bias", K::OptTensor, ""),
                kw("stride", K::Ints, "1"), kw("padding", K::Ints, "0"),
                kw("dilation", K::Ints, "1"), kw("groups", K::Int, "1")});
  for (const char *name : {"max_pool2d", "avg_pool2d"})
    op(name, {req("x"), req("kernel", K::Ints), kw("stride", K::Ints, ""),
              kw("padding", K::Ints, "0")},
       false, "stride defaults to kernel");
  op("global_avg_pool", {req("x")});
  op("reshape", {req("x"), req("shape", K::IntList)});
  op("transpose", {req("x"), pos("perm", K::IntList, "")}, false,
     "no perm: reverse the dims");
  op("flatten", {req("x"), kw("axis", K::Int, "1")});
  op("broadcast_to", {req("x"), req("shape", K::IntList)});
  op("concat", {req("inputs", K::TensorList), kw("axis", K::Int, "0")});
  op("slice", {req("x"), kw("axis", K::Int, "0"), kw("start", K::Int, "0"),
               kw("end", K::Int, ""), kw("step", K::Int, "1")},
     false, "end defaults to the end of the axis");
  op("gather", {req("x"), req("indices"), kw("axis", K::Int, "0")});
  op("embedding", {req("table"), req("ids")});
  op("cross_entropy", {req("logits"), req("labels")});
  op("mse", {req("pred"), req("target")});
  op("dropout", {req("x"), kw("p", K::Float, "0.5"), kw("seed", K::Int, "0")});

  auto init = [&](const char *name, std::vector<ParamSpec> params) {
    t.push_back({name, Cat::Initializer, std::move(params)});
  };
  init("zeros", {});
  init("ones", {});
  init("const", {req("value", K::Float)});
  init("uniform", {pos("lo", K::Float, "0"), pos("hi", K::Float, "1"),
                   kw("seed", K::Int, "0")});
  init("normal", {pos("mean", K::Float, "0"), pos("std", K::Float, "1"),
                  kw("seed", K::Int, "0")});
  init("glorot_uniform", {kw("seed", K::Int, "0")});
  init("he_normal", {kw("seed", K::Int, "0")});
  init("load", {req("path", K::String)});

  auto opt = [&](const char *name, std::vector<ParamSpec> params) {
    t.push_back({name, Cat::Optimizer, std::move(params)});
  };
  opt("sgd", {kw("lr", K::Float, "0.01"), kw("momentum", K::Float, "0"),
              kw("weight_decay", K::Float, "0")});
  opt("adam", {kw("lr", K::Float, "0.001"), kw("beta1", K::Float, "0.9"),
               kw("beta2", K::Float, "0.999"), kw("eps", K::Float, "1e-8"),
               kw("weight_decay", K::Float, "0")});
  opt("adamw", {kw("lr", K::Float, "0.001"), kw("beta1", K::Float, "0.9"),
                kw("beta2", K::Float, "0.999"), kw("eps", K::Float, "1e-8"),
                kw("weight_decay", K::Float, "0.01")});
  return t;
}

llvm::ArrayRef<Signature> nnc::nnlang::allSignatures() {
  static const std::vector<Signature> table = buildTable();
  return table;
}

const Signature *nnc::nnlang::lookupSignature(llvm::StringRef name,
                                              Signature::Category category) {
  for (const Signature &s : allSignatures())
    if (s.category == category && name == s.name)
      return &s;
  return nullptr;
}

const Signature *nnc::nnlang::lookupAnySignature(llvm::StringRef name) {
  for (const Signature &s : allSignatures())
    if (name == s.name)
      return &s;
  return nullptr;
}
