//===- NNInterfaces.td - Interfaces of the nn ops ----------*- tablegen -*-===//
//
// DifferentiableOpInterface: an op's gradient rule, stated once, in nn ops.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_IR_NNINTERFACES_TD
#define NNC_IR_NNINTERFACES_TD

include "mlir/IR/OpBase.td"

def NN_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::nnc::nn";
  let description = [{
    An op that nn-autodiff can differentiate. Given the cotangents of the
    op's results (one per result, null where a result has none), `buildVJP`
    builds, at the builder's insertion point and with the op's location, the
    vector-Jacobian products for its operands in nn ops: one value per
    operand, with the operand's shape (broadcast dims summed back), or null
    for an operand with no gradient (integer labels, a `where` condition).
    Problems are reported at the op's location and give failure.
  }];
  let methods = [
    InterfaceMethod<[{
        Appends one gradient (or null) per operand to `operandGrads`.
      }],
      "::mlir::LogicalResult", "buildVJP",
      (ins "::mlir::OpBuilder &":$b,
           "::mlir::ArrayRef<::mlir::Value>":$cotangents,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>
  ];
}

// The trait list entry of an op whose gradient rule is in NNGradients.cpp.
def NN_Differentiable
    : DeclareOpInterfaceMethods<NN_DifferentiableOpInterface>;

#endif // NNC_IR_NNINTERFACES_TD
