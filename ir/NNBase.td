//===- NNBase.td - The nn dialect and its type constraints -*- tablegen -*-===//
//
// The `nn` dialect: one tensor-level op per nnc operator (docs/ops.md).
//
//===----------------------------------------------------------------------===//

#ifndef NNC_IR_NNBASE_TD
#define NNC_IR_NNBASE_TD

include "mlir/IR/OpBase.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let cppNamespace = "::nnc::nn";
  let summary = "Tensor-level neural-network operators of nnc";
  let description = [{
    The `nn` dialect holds the dataflow graph of a model: one op per operator
    of the `.nn` language, on ranked tensors whose element types are
    `f64 f32 f16 bf16 i8 i16 i32 i64 ui8 ui16 ui32 ui64 i1` (signless
    integers are signed; `ui*` unsigned, spelt `u8`... in `.nn`). Dynamic
    dims are `?`. Result types are inferred
    from the operands and attributes (NumPy broadcasting for elementwise
    ops); a declared result type may be more or less static than the inferred
    one, which is how `nn-infer-shapes` refines a function after its
    arguments were specialized. The canonical op table is docs/ops.md.
  }];
  let dependentDialects = [];
  let hasConstantMaterializer = 1;
  let usePropertiesForAttributes = 1;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def NN_ElementType : AnyTypeOf<[F64, F32, F16, BF16, I8, I16, I32, I64, UI8,
                                UI16, UI32, UI64, I1],
    "f64, f32, f16, bf16, i8, i16, i32, i64, ui8, ui16, ui32, ui64 or i1">;

// Operands accept any nn tensor here; which dtypes and ranks an op takes is
// checked by its type inference, which words the error for users.
def NN_Tensor : Type<
    And<[IsRankedTensorTypePred,
         SubstLeaves<"$_self",
                     "::llvm::cast<::mlir::ShapedType>($_self).getElementType()",
                     NN_ElementType.predicate>]>,
    "ranked tensor of an nn dtype (f64, f32, f16, bf16, i8, i16, i32, i64, "
    "ui8, ui16, ui32, ui64 or i1)",
    "::mlir::RankedTensorType">;

#endif // NNC_IR_NNBASE_TD
