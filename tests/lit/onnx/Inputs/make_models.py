#!/usr/bin/env python3
"""Writes the tiny .onnx models the lit tests in tests/lit/onnx/ read.

Run with /usr/bin/python3 (Debian's python3-onnx) from this folder; the
outputs are checked in so that lit needs no onnx module.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(name, nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, name.replace("-", "_"), inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, name + ".onnx")


f32 = TensorProto.FLOAT
save("add-relu",
     [helper.make_node("Add", ["x", "b"], ["s"], name="add0"),
      helper.make_node("Relu", ["s"], ["y"], name="relu0")],
     [helper.make_tensor_value_info("x", f32, ["N", 4])],
     [helper.make_tensor_value_info("y", f32, ["N", 4])],
     [numpy_helper.from_array(np.array([1, -2, 0.5, 4], np.float32), "b")])
save("gemm",
     [helper.make_node("Gemm", ["a", "w", "c"], ["y"], name="fc", transB=1, alpha=0.5)],
     [helper.make_tensor_value_info("a", f32, [2, 3]),
      helper.make_tensor_value_info("w", f32, [4, 3]),
      helper.make_tensor_value_info("c", f32, [4])],
     [helper.make_tensor_value_info("y", f32, [2, 4])])
save("attention",
     [helper.make_node("Transpose", ["k"], ["kt"], name="kt", perm=[0, 1, 3, 2]),
      helper.make_node("MatMul", ["q", "kt"], ["s"], name="qk"),
      helper.make_node("Constant", [], ["c"], name="c",
                       value=numpy_helper.from_array(np.array(2.0, np.float32), "c")),
      helper.make_node("Div", ["s", "c"], ["x"], name="scale"),
      helper.make_node("Add", ["x", "m"], ["y"], name="mask"),
      helper.make_node("Softmax", ["y"], ["p"], name="sm", axis=-1),
      helper.make_node("MatMul", ["p", "v"], ["o"], name="pv")],
     [helper.make_tensor_value_info("q", f32, ["B", 2, 5, 4]),
      helper.make_tensor_value_info("k", f32, ["B", 2, 6, 4]),
      helper.make_tensor_value_info("v", f32, ["B", 2, 6, 3]),
      helper.make_tensor_value_info("m", f32, [5, 6])],
     [helper.make_tensor_value_info("o", f32, ["B", 2, 5, 3])])
save("softmax-v11",
     [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1)],
     [helper.make_tensor_value_info("x", f32, [2, 3, 4])],
     [helper.make_tensor_value_info("y", f32, [2, 3, 4])], opset=11)
save("reduce-sum",
     [helper.make_node("ReduceSum", ["x", "axes"], ["y"], name="rs", keepdims=0)],
     [helper.make_tensor_value_info("x", f32, ["B", 3, 4])],
     [helper.make_tensor_value_info("y", f32, ["B", 4])],
     [numpy_helper.from_array(np.array([-2], np.int64), "axes")])
save("unsupported-op",
     [helper.make_node("NonMaxSuppression", ["b", "s"], ["y"], name="nms0")],
     [helper.make_tensor_value_info("b", f32, [1, 4, 4]),
      helper.make_tensor_value_info("s", f32, [1, 1, 4])],
     [helper.make_tensor_value_info("y", TensorProto.INT64, [4, 3])])
save("unsupported-attr",
     [helper.make_node("Pad", ["x", "p"], ["y"], name="pad0", mode="wrap")],
     [helper.make_tensor_value_info("x", f32, [3, 4])],
     [helper.make_tensor_value_info("y", f32, [3, 6])],
     [numpy_helper.from_array(np.array([0, 1, 0, 1], np.int64), "p")])
i64 = TensorProto.INT64
# Shape computations fold at import: Reshape(x, Concat(Slice(Shape(x)), [-1])).
save("shape-fold",
     [helper.make_node("Shape", ["x"], ["s"], name="shape0"),
      helper.make_node("Slice", ["s", "zero", "one"], ["lead"], name="slice0"),
      helper.make_node("Concat", ["lead", "minus1"], ["target"], name="cat0", axis=0),
      helper.make_node("Reshape", ["x", "target"], ["y"], name="reshape0"),
      helper.make_node("Unsqueeze", ["y", "axis0"], ["z"], name="unsq0")],
     [helper.make_tensor_value_info("x", f32, [2, 3, 4])],
     [helper.make_tensor_value_info("z", f32, [1, 2, 12])],
     [numpy_helper.from_array(np.array([0], np.int64), "zero"),
      numpy_helper.from_array(np.array([1], np.int64), "one"),
      numpy_helper.from_array(np.array([-1], np.int64), "minus1"),
      numpy_helper.from_array(np.array([0], np.int64), "axis0")])
# A shape input that is a graph input: the declared result shape is used.
save("reshape-declared",
     [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape0")],
     [helper.make_tensor_value_info("x", f32, [2, 6]),
      helper.make_tensor_value_info("shape", i64, [2])],
     [helper.make_tensor_value_info("y", f32, [3, 4])])
save("reshape-undeclared",
     [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape0")],
     [helper.make_tensor_value_info("x", f32, [2, 6]),
      helper.make_tensor_value_info("shape", i64, [2])],
     [helper.make_tensor_value_info("y", f32, ["a", "b"])])
save("maxpool-pads",
     [helper.make_node("MaxPool", ["x"], ["y"], name="pool0", kernel_shape=[3, 3],
                       pads=[1, 1, 2, 2], strides=[2, 2])],
     [helper.make_tensor_value_info("x", f32, [1, 2, 5, 5])],
     [helper.make_tensor_value_info("y", f32, [1, 2, 3, 3])])
save("layernorm-stats",
     [helper.make_node("LayerNormalization", ["x", "g", "b"], ["y", "mean", "inv"],
                       name="ln0", axis=-1, epsilon=1e-5)],
     [helper.make_tensor_value_info("x", f32, [2, 4]),
      helper.make_tensor_value_info("g", f32, [4]),
      helper.make_tensor_value_info("b", f32, [4])],
     [helper.make_tensor_value_info("y", f32, [2, 4]),
      helper.make_tensor_value_info("mean", f32, [2, 1]),
      helper.make_tensor_value_info("inv", f32, [2, 1])], opset=17)
save("dropout-training",
     [helper.make_node("Dropout", ["x", "r", "t"], ["y"], name="drop0")],
     [helper.make_tensor_value_info("x", f32, [3]),
      helper.make_tensor_value_info("r", f32, []),
      helper.make_tensor_value_info("t", TensorProto.BOOL, [])],
     [helper.make_tensor_value_info("y", f32, [3])])
save("shape-dynamic",
     [helper.make_node("Shape", ["x"], ["y"], name="shape0")],
     [helper.make_tensor_value_info("x", f32, ["N", 3])],
     [helper.make_tensor_value_info("y", i64, [2])])
data = open("add-relu.onnx", "rb").read()
open("truncated.onnx", "wb").write(data[: len(data) // 2])

# An initializer in an external data file, read relative to the model.
w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4), "w")
g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "external",
                      [helper.make_tensor_value_info("x", f32, ["B", 3])],
                      [helper.make_tensor_value_info("y", f32, ["B", 4])], [w])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 8
onnx.save_model(m, "external.onnx", save_as_external_data=True,
                location="external.bin", size_threshold=0)
