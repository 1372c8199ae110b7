// Signatures: the one table of every callable in .nn (operators, initializers,
// optimizers) with its parameters, their kinds and their defaults.
#ifndef NNC_FRONTEND_NN_SIGNATURES_H
#define NNC_FRONTEND_NN_SIGNATURES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <vector>

namespace nnc::nnlang {

enum class ArgKind {
  Tensor,     // a tensor (a number literal takes the other operand's dtype
              // where the signature allows literals)
  OptTensor,  // an optional tensor operand (conv2d's bias)
  TensorList, // [a, b, ...]
  Int,        // an integer
  Ints,       // an integer or a list of integers
  IntList,    // a list of integers
  Float,      // a number
  Bool,       // true / false
  String,     // a string, one of `choices` when given
  Dtype,      // one of kDtypeNames (AST.h)
};

/// Describes a kind for messages: "a tensor", "an integer or a list", ...
const char *argKindName(ArgKind kind);

struct ParamSpec {
  const char *name;
  ArgKind kind;
  /// The default as .nn source text; nullptr = required; "" = optional with a
  /// default that depends on the other arguments (described in `note`).
  const char *defaultValue;
  /// Keyword-only parameters cannot be passed positionally.
  bool keywordOnly;
  /// For String parameters: the allowed values separated by '|'.
  const char *choices = nullptr;
};

struct Signature {
  enum class Category { Operator, Initializer, Optimizer };
  const char *name;
  Category category;
  std::vector<ParamSpec> params;
  /// True when number literals may stand for tensor operands (elementwise ops).
  bool literalOperands = false;
  const char *note = "";
};

/// Every callable, in documentation order.
llvm::ArrayRef<Signature> allSignatures();

/// The signature named `name` in `category`, or null.
const Signature *lookupSignature(llvm::StringRef name,
                                 Signature::Category category);

/// The signature named `name` in any category, or null.
const Signature *lookupAnySignature(llvm::StringRef name);

} // namespace nnc::nnlang

#endif // NNC_FRONTEND_NN_SIGNATURES_H
