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
     [helper.make_node("Conv", ["x", "w"], ["y"], name="conv0")],
     [helper.make_tensor_value_info("x", f32, [1, 1, 4, 4]),
      helper.make_tensor_value_info("w", f32, [1, 1, 3, 3])],
     [helper.make_tensor_value_info("y", f32, [1, 1, 2, 2])])
save("unsupported-attr",
     [helper.make_node("ArgMax", ["x"], ["y"], name="am0", select_last_index=1)],
     [helper.make_tensor_value_info("x", f32, [3, 4])],
     [helper.make_tensor_value_info("y", TensorProto.INT64, [1, 4])])
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
