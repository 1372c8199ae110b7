#!/usr/bin/python3
"""Writes golden cases for the reference interpreter's op tests.

Each case is CASE.graph (a tiny graph) and CASE.npz (inputs as 'in.NAME',
expected outputs as 'out.NAME'), listed in cases.txt as 'CASE RTOL ATOL'.
Expected values come from NumPy (float64, rounded once to the result dtype)
or PyTorch (conv, pooling, norms, softmax, gelu), never from nnc code.

usage: /usr/bin/python3 make_goldens.py OUTDIR
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

# The dropout mask in NumPy (docs/ops.md), shared with the autodiff checks.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "e2e"))
from autodiff_fd import philox_keep  # noqa: E402

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
RNG = np.random.default_rng(1234)
CASES = []

DT = {np.dtype(np.float32): "f32", np.dtype(np.float16): "f16",
      np.dtype(np.int32): "i32", np.dtype(np.int64): "i64",
      np.dtype(np.bool_): "bool"}


def ty(a, dt=None):
    a = np.asarray(a)
    return "%s[%s]" % (dt or DT[a.dtype], ",".join(str(d) for d in a.shape))


def f32(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, size=shape).astype(np.float32)


def ints(dtype, *shape, lo=-10, hi=10):
    return RNG.integers(lo, hi, size=shape).astype(dtype)


def bf16(x):
    """Rounds float64 values to bfloat16 (torch), returned as float32."""
    return torch.tensor(np.asarray(x, np.float64)).to(torch.bfloat16).to(torch.float32).numpy()


def t64(a):
    return torch.tensor(np.asarray(a, np.float64))


def case(name, inputs, body, outputs, rtol=1e-5, atol=1e-6, decls=None):
    """inputs: [(name, array)]; body: op lines; outputs: [(out, %value, expected)]."""
    decls = decls or {}
    lines = ["nngraph 1", "model " + name]
    for n, a in inputs:
        lines.append("input %s %s" % (n, decls.get(n, ty(a))))
    lines.append("func forward")
    lines += ["  " + l for l in body]
    lines.append("  return " + ", ".join("%s=%%%s" % (o, v) for o, v, _ in outputs))
    lines.append("end")
    with open(os.path.join(OUT, name + ".graph"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # C order: NumPy saves transposed views as Fortran order, which nnc rejects.
    arrays = {"in." + n: np.array(a, order="C") for n, a in inputs}
    for o, _, e in outputs:
        arrays["out." + o] = np.array(e, order="C")
    np.savez(os.path.join(OUT, name + ".npz"), **arrays)
    CASES.append("%s %g %g" % (name, rtol, atol))


def unary_case(name, op, x, fn, attrs="", **kw):
    e = np.asarray(fn(np.asarray(x, np.float64) if x.dtype.kind == "f" else x)).astype(x.dtype)
    case(name, [("x", x)], ["%%0 = %s %%x%s : %s" % (op, attrs, ty(x))], [("y", "0", e)], **kw)


def binary_case(name, op, a, b, fn, **kw):
    if a.dtype.kind == "f":
        e = fn(a.astype(np.float64), b.astype(np.float64)).astype(a.dtype)
    else:
        e = fn(a, b).astype(a.dtype)
    case(name, [("a", a), ("b", b)], ["%%0 = %s %%a %%b : %s" % (op, ty(e))], [("y", "0", e)], **kw)


def bf16_case(name, op_line, xs, fn, rtol=1e-2, atol=1e-2):
    """Inputs are f32 holding bf16 values; cast to bf16, one op, cast back."""
    xs = [(n, bf16(a)) for n, a in xs]
    body = ["%%c%s = cast %%%s : %s" % (n, n, ty(a, "bf16")) for n, a in xs]
    e = bf16(fn(*[a.astype(np.float64) for _, a in xs]))
    body.append(op_line % ty(e, "bf16"))
    body.append("%%1 = cast %%0 : %s" % ty(e))
    case(name, xs, body, [("y", "1", e)], rtol=rtol, atol=atol)


# ---- Binary elementwise --------------------------------------------------
binary_case("add_f32", "add", f32(2, 3), f32(2, 3), np.add)
binary_case("add_bcast_row", "add", f32(2, 3), f32(3), np.add)
binary_case("add_bcast_outer", "add", f32(4, 1), f32(1, 5), np.add)
binary_case("add_bcast_scalar", "add", f32(), f32(2, 3), np.add)
binary_case("add_bcast_rank3", "add", f32(2, 1, 4), f32(3, 1), np.add)
binary_case("sub_f32", "sub", f32(3, 4), f32(4), np.subtract)
binary_case("mul_f32", "mul", f32(3, 4), f32(3, 1), np.multiply)
binary_case("div_f32", "div", f32(3, 4), f32(3, 4, lo=0.5, hi=2), np.divide)
binary_case("maximum_f32", "maximum", f32(5), f32(5), np.maximum)
binary_case("minimum_f32", "minimum", f32(2, 5), f32(5), np.minimum)
binary_case("pow_f32", "pow", f32(3, 3, lo=0.1, hi=3), f32(3, 3), np.power)
binary_case("add_i32", "add", ints(np.int32, 3, 4), ints(np.int32, 4), np.add)
binary_case("sub_i64", "sub", ints(np.int64, 3, 4), ints(np.int64, 3, 4), np.subtract)
binary_case("mul_i32", "mul", ints(np.int32, 6), ints(np.int32, 6), np.multiply)
da = np.array([7, -7, 7, -7, 0, 9, -1], np.int32)
db = np.array([2, 2, -2, -2, 3, 4, 5], np.int32)
trunc_div = lambda a, b: (np.trunc(a.astype(np.float64) / b)).astype(a.dtype)
binary_case("div_i32_truncates", "div", da, db, trunc_div)
binary_case("div_i64_truncates", "div", da.astype(np.int64), db.astype(np.int64), trunc_div)
binary_case("maximum_i64", "maximum", ints(np.int64, 2, 3), ints(np.int64, 3), np.maximum)
binary_case("minimum_i32", "minimum", ints(np.int32, 2, 3), ints(np.int32, 2, 1), np.minimum)
binary_case("add_f16", "add", f32(3, 4).astype(np.float16), f32(4).astype(np.float16), np.add, rtol=1e-3, atol=1e-3)
binary_case("mul_f16", "mul", f32(3, 4).astype(np.float16), f32(3, 4).astype(np.float16), np.multiply, rtol=1e-3, atol=1e-3)
binary_case("div_f16", "div", f32(6).astype(np.float16), f32(6, lo=0.5).astype(np.float16), np.divide, rtol=1e-3, atol=1e-3)
bf16_case("add_bf16", "%%0 = add %%ca %%cb : %s", [("a", f32(3, 4)), ("b", f32(4))], np.add)
bf16_case("mul_bf16", "%%0 = mul %%ca %%cb : %s", [("a", f32(3, 4)), ("b", f32(3, 4))], np.multiply)

# ---- Comparisons -----------------------------------------------------------
ca, cb = f32(3, 4), f32(4)
cb[1] = ca[0, 1]  # some equal elements
for pred, fn in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less),
                 ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal)]:
    case("compare_" + pred, [("a", ca), ("b", cb)],
         ['%%0 = compare %%a %%b predicate="%s" : bool[3,4]' % pred], [("y", "0", fn(ca, cb))])
ia, ib = ints(np.int32, 5, lo=0, hi=4), ints(np.int32, 5, lo=0, hi=4)
case("compare_lt_i32", [("a", ia), ("b", ib)], ['%0 = compare %a %b predicate="lt" : bool[5]'],
     [("y", "0", ia < ib)])
ba, bb = RNG.random(6) < 0.5, RNG.random(6) < 0.5
case("compare_eq_bool", [("a", ba), ("b", bb)], ['%0 = compare %a %b predicate="eq" : bool[6]'],
     [("y", "0", ba == bb)])

# ---- Unary -----------------------------------------------------------------
sig = lambda x: 1 / (1 + np.exp(-x))
gelu = lambda x: F.gelu(t64(x)).numpy()
gelu_tanh = lambda x: F.gelu(t64(x), approximate="tanh").numpy()
x = f32(3, 5, lo=-4, hi=4)
xp = f32(3, 5, lo=0.05, hi=4)
unary_case("neg_f32", "neg", x, np.negative)
unary_case("abs_f32", "abs", x, np.abs)
unary_case("exp_f32", "exp", x, np.exp)
unary_case("log_f32", "log", xp, np.log)
unary_case("sqrt_f32", "sqrt", xp, np.sqrt)
unary_case("rsqrt_f32", "rsqrt", xp, lambda v: 1 / np.sqrt(v))
unary_case("tanh_f32", "tanh", x, np.tanh)
unary_case("sigmoid_f32", "sigmoid", x, sig)
unary_case("relu_f32", "relu", x, lambda v: np.maximum(v, 0))
unary_case("silu_f32", "silu", x, lambda v: F.silu(t64(v)).numpy())
unary_case("gelu_f32", "gelu", x, gelu, attrs=' approximate="none"')
unary_case("gelu_tanh_f32", "gelu", x, gelu_tanh, attrs=' approximate="tanh"')
unary_case("neg_i32", "neg", ints(np.int32, 7), np.negative)
unary_case("abs_i64", "abs", ints(np.int64, 7), np.abs)
xh = x.astype(np.float16)
unary_case("exp_f16", "exp", xh, np.exp, rtol=1e-3, atol=1e-3)
unary_case("tanh_f16", "tanh", xh, np.tanh, rtol=1e-3, atol=1e-3)
unary_case("relu_f16", "relu", xh, lambda v: np.maximum(v, 0), rtol=0, atol=0)
bf16_case("sigmoid_bf16", "%%0 = sigmoid %%cx : %s", [("x", x)], sig)
bf16_case("gelu_bf16", '%%0 = gelu %%cx approximate="none" : %s', [("x", x)], gelu)

# ---- where / cast / constant ----------------------------------------------
cond = RNG.random((3, 1)) < 0.5
wa, wb = f32(3, 4), f32(4)
case("where_f32_bcast", [("c", cond), ("a", wa), ("b", wb)], ["%0 = where %c %a %b : f32[3,4]"],
     [("y", "0", np.where(cond, wa, wb))])
cond2 = RNG.random((5,)) < 0.5
ia, ib = ints(np.int64, 5), ints(np.int64, 5)
case("where_i64", [("c", cond2), ("a", ia), ("b", ib)], ["%0 = where %c %a %b : i64[5]"],
     [("y", "0", np.where(cond2, ia, ib))])
xc = np.array([-2.7, -0.5, 0.0, 0.5, 2.7, 100.9], np.float32)
case("cast_f32_to_i32_truncates", [("x", xc)], ["%0 = cast %x : i32[6]"], [("y", "0", np.trunc(xc).astype(np.int32))])
case("cast_f32_to_bool", [("x", xc)], ["%0 = cast %x : bool[6]"], [("y", "0", xc != 0)])
il = ints(np.int64, 6, lo=-1000, hi=1000)
case("cast_i64_to_f32", [("x", il)], ["%0 = cast %x : f32[6]"], [("y", "0", il.astype(np.float32))])
case("cast_i32_to_i64", [("x", il.astype(np.int32))], ["%0 = cast %x : i64[6]"], [("y", "0", il)])
big = np.array([2**31 + 5, -2**31 - 7, 3], np.int64)
case("cast_i64_to_i32_wraps", [("x", big)], ["%0 = cast %x : i32[3]"], [("y", "0", big.astype(np.int32))])
xr = f32(8)
case("cast_f32_to_f16", [("x", xr)], ["%0 = cast %x : f16[8]"], [("y", "0", xr.astype(np.float16))], rtol=0, atol=0)
case("cast_f32_bf16_roundtrip", [("x", xr)], ["%0 = cast %x : bf16[8]", "%1 = cast %0 : f32[8]"],
     [("y", "1", bf16(xr))], rtol=0, atol=0)
bv = RNG.random(5) < 0.5
case("cast_bool_to_f32", [("x", bv)], ["%0 = cast %x : f32[5]"], [("y", "0", bv.astype(np.float32))])
z = f32(2, 2)
case("constant_splat", [("x", z)], ["%0 = constant value=[0.5] : f32[2,2]", "%1 = add %x %0 : f32[2,2]"],
     [("y", "1", z + np.float32(0.5))])
case("constant_list", [("x", z)], ["%0 = constant value=[1.5,-2,3.25,4] : f32[2,2]", "%1 = mul %x %0 : f32[2,2]"],
     [("y", "1", z * np.array([[1.5, -2], [3.25, 4]], np.float32))])
zi = ints(np.int32, 3)
case("constant_i32", [("x", zi)], ["%0 = constant value=[1,2,3] : i32[3]", "%1 = add %x %0 : i32[3]"],
     [("y", "1", zi + np.array([1, 2, 3], np.int32))])
case("constant_bool", [("x", bv)], ["%0 = constant value=[true] : bool[5]", "%1 = compare %x %0 predicate=\"eq\" : bool[5]"],
     [("y", "1", bv == True)])  # noqa: E712

# ---- Reductions ------------------------------------------------------------
r = f32(3, 4, 5)
def red_case(name, op, x, axes, keep, fn, **kw):
    ax = tuple(axes) if axes else None
    e = np.asarray(fn(x.astype(np.float64) if x.dtype.kind == "f" else x, axis=ax, keepdims=keep)).astype(x.dtype)
    attrs = (" axes=[%s]" % ",".join(map(str, axes))) if axes else ""
    case(name, [("x", x)], ["%%0 = %s %%x%s keepdims=%s : %s" % (op, attrs, "true" if keep else "false", ty(e))],
         [("y", "0", e)], **kw)

red_case("sum_axis1", "sum", r, [1], False, np.sum)
red_case("sum_all", "sum", r, [], False, np.sum)
red_case("sum_all_keepdims", "sum", r, [], True, np.sum)
red_case("sum_axes02", "sum", r, [0, 2], False, np.sum)
red_case("sum_keepdims", "sum", r, [2], True, np.sum)
red_case("mean_axis1", "mean", r, [1], False, np.mean)
red_case("mean_all", "mean", r, [], False, np.mean)
red_case("max_axis0", "max", r, [0], False, np.max)
red_case("min_axis1_keepdims", "min", r, [1], True, np.min)
red_case("sum_i32", "sum", ints(np.int32, 3, 4), [1], False, np.sum)
red_case("max_i64", "max", ints(np.int64, 3, 4), [0], False, np.max)
red_case("sum_f16", "sum", f32(4, 8).astype(np.float16), [1], False, np.sum, rtol=1e-3, atol=1e-3)
bf16_case("mean_bf16", "%%0 = mean %%cx axes=[1] keepdims=false : %s", [("x", f32(4, 8))],
          lambda v: v.mean(axis=1))
am = f32(4, 6)
case("argmax_axis1", [("x", am)], ["%0 = argmax %x axis=1 keepdims=false : i64[4]"], [("y", "0", am.argmax(1))])
case("argmax_axis0_keepdims", [("x", am)], ["%0 = argmax %x axis=0 keepdims=true : i64[1,6]"],
     [("y", "0", am.argmax(0)[None, :])])
tie = np.array([[1, 3, 3, 0], [2, 2, 2, 2]], np.float32)
case("argmax_first_of_ties", [("x", tie)], ["%0 = argmax %x axis=1 keepdims=false : i64[2]"], [("y", "0", tie.argmax(1))])
ai = ints(np.int32, 3, 5)
case("argmax_i32", [("x", ai)], ["%0 = argmax %x axis=1 keepdims=false : i64[3]"], [("y", "0", ai.argmax(1))])

# ---- attention (nn-fuse-attention's ops), by torch autograd ----------------
aq, ak, av = f32(2, 3, 5, 4), f32(2, 3, 6, 4), f32(2, 3, 6, 2)
amask, adout = f32(5, 6), f32(2, 3, 5, 2)
tq, tk, tv = (t64(a).requires_grad_() for a in (aq, ak, av))
alogits = tq @ tk.transpose(-1, -2) * 0.5 + t64(amask)
aout = torch.softmax(alogits, -1) @ tv
alse = torch.logsumexp(alogits, -1)
aout.backward(t64(adout))
adelta = (t64(adout) * aout).sum(-1)
AT = ["q", "k", "v"]
case("attention_masked", [("q", aq), ("k", ak), ("v", av), ("m", amask)],
     ["%0 = attention %q %k %v %m scale=0.5 : f32[2,3,5,2]"],
     [("y", "0", aout.detach().numpy().astype(np.float32))])
case("attention_lse_masked", [("q", aq), ("k", ak), ("m", amask)],
     ["%0 = attention_lse %q %k %m scale=0.5 : f32[2,3,5]"],
     [("y", "0", alse.detach().numpy().astype(np.float32))])
for w, t in zip(AT, (tq, tk, tv)):
    case("attention_grad_" + w,
         [("q", aq), ("k", ak), ("v", av), ("l", alse.detach().numpy().astype(np.float32)),
          ("d", adelta.detach().numpy().astype(np.float32)), ("g", adout), ("m", amask)],
         ['%%0 = attention_grad %%q %%k %%v %%l %%d %%g %%m scale=0.5 wrt="%s" : %s'
          % (w, ty(t.detach().numpy().astype(np.float32)))],
         [("y", "0", t.grad.numpy().astype(np.float32))], rtol=1e-4, atol=1e-5)
# No mask, rank 3.
bq, bk, bv = f32(2, 4, 3), f32(2, 7, 3), f32(2, 7, 5)
case("attention_unmasked", [("q", bq), ("k", bk), ("v", bv)],
     ["%0 = attention %q %k %v scale=1.5 : f32[2,4,5]"],
     [("y", "0", (torch.softmax(t64(bq) @ t64(bk).transpose(-1, -2) * 1.5, -1)
                  @ t64(bv)).numpy().astype(np.float32))])

# ---- softmax / norms -------------------------------------------------------
sm = f32(3, 5, lo=-5, hi=5)
case("softmax_axis1", [("x", sm)], ["%0 = softmax %x axis=1 : f32[3,5]"],
     [("y", "0", torch.softmax(t64(sm), 1).numpy().astype(np.float32))])
case("softmax_axis0", [("x", sm)], ["%0 = softmax %x axis=0 : f32[3,5]"],
     [("y", "0", torch.softmax(t64(sm), 0).numpy().astype(np.float32))])
case("log_softmax_axis1", [("x", sm)], ["%0 = log_softmax %x axis=1 : f32[3,5]"],
     [("y", "0", torch.log_softmax(t64(sm), 1).numpy().astype(np.float32))])
smh = sm.astype(np.float16)
case("softmax_f16", [("x", smh)], ["%0 = softmax %x axis=1 : f16[3,5]"],
     [("y", "0", torch.softmax(t64(smh), 1).numpy().astype(np.float16))], rtol=1e-3, atol=1e-3)
ln, g2, b2 = f32(4, 6), f32(6), f32(6)
case("layer_norm_2d", [("x", ln), ("g", g2), ("b", b2)], ["%0 = layer_norm %x %g %b axis=1 eps=1e-05 : f32[4,6]"],
     [("y", "0", F.layer_norm(t64(ln), (6,), t64(g2), t64(b2), 1e-5).numpy().astype(np.float32))])
ln3, g3, b3 = f32(2, 3, 4), f32(3, 4), f32(3, 4)
case("layer_norm_last_two_dims", [("x", ln3), ("g", g3), ("b", b3)],
     ["%0 = layer_norm %x %g %b axis=1 eps=0.001 : f32[2,3,4]"],
     [("y", "0", F.layer_norm(t64(ln3), (3, 4), t64(g3), t64(b3), 1e-3).numpy().astype(np.float32))])
lnh = ln.astype(np.float16)
case("layer_norm_f16", [("x", lnh), ("g", g2.astype(np.float16)), ("b", b2.astype(np.float16))],
     ["%0 = layer_norm %x %g %b axis=1 eps=1e-05 : f16[4,6]"],
     [("y", "0", F.layer_norm(t64(lnh), (6,), t64(g2.astype(np.float16)), t64(b2.astype(np.float16)), 1e-5).numpy().astype(np.float16))],
     rtol=2e-3, atol=2e-3)
rm, rg = f32(2, 3, 8), f32(8)
rms = rm.astype(np.float64) / np.sqrt((rm.astype(np.float64) ** 2).mean(-1, keepdims=True) + 1e-6) * rg
case("rms_norm", [("x", rm), ("g", rg)], ["%0 = rms_norm %x %g axis=2 eps=1e-06 : f32[2,3,8]"],
     [("y", "0", rms.astype(np.float32))])
bx, bg, bb_, bm, bv_ = f32(2, 3, 4, 4), f32(3), f32(3), f32(3), f32(3, lo=0.5, hi=2)
bn_in = [("x", bx), ("g", bg), ("b", bb_), ("m", bm), ("v", bv_)]
case("batch_norm_inference", bn_in, ["%0 = batch_norm %x %g %b %m %v momentum=0.1 eps=1e-05 training=false : f32[2,3,4,4]"],
     [("y", "0", F.batch_norm(t64(bx), t64(bm), t64(bv_), t64(bg), t64(bb_), False, 0.1, 1e-5).numpy().astype(np.float32))])
case("batch_norm_training", bn_in, ["%0 = batch_norm %x %g %b %m %v momentum=0.1 eps=1e-05 training=true : f32[2,3,4,4]"],
     [("y", "0", F.batch_norm(t64(bx), t64(bm).clone(), t64(bv_).clone(), t64(bg), t64(bb_), True, 0.1, 1e-5).numpy().astype(np.float32))])

# ---- matmul ----------------------------------------------------------------
def mm_case(name, a, b, **kw):
    if a.dtype.kind == "f":
        e = np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(a.dtype)
    else:
        e = np.matmul(a, b)
    case(name, [("a", a), ("b", b)], ["%%0 = matmul %%a %%b : %s" % ty(e)], [("y", "0", e)], **kw)

mm_case("matmul_2d", f32(3, 4), f32(4, 5))
mm_case("matmul_batched", f32(2, 3, 4), f32(2, 4, 5))
mm_case("matmul_bcast_batch", f32(2, 1, 3, 4), f32(5, 4, 2))
mm_case("matmul_rank3_by_2d", f32(2, 3, 4), f32(4, 2))
mm_case("matmul_vec_mat", f32(4), f32(4, 3))
mm_case("matmul_mat_vec", f32(3, 4), f32(4))
mm_case("matmul_vec_vec", f32(4), f32(4))
mm_case("matmul_i32", ints(np.int32, 3, 4), ints(np.int32, 4, 2))
mm_case("matmul_f16", f32(3, 8).astype(np.float16), f32(8, 2).astype(np.float16), rtol=2e-3, atol=2e-3)

# ---- conv / pool -----------------------------------------------------------
def conv_case(name, x, w, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    e = F.conv2d(t64(x), t64(w), None if bias is None else t64(bias), stride, padding, dilation, groups)
    e = e.numpy().astype(np.float32)
    ins = [("x", x), ("w", w)] + ([("bias", bias)] if bias is not None else [])
    ops = " ".join("%" + n for n, _ in ins)
    line = "%%0 = conv2d %s stride=[%d,%d] padding=[%d,%d] dilation=[%d,%d] groups=%d : %s" % (
        ops, *stride, *padding, *dilation, groups, ty(e))
    case(name, ins, [line], [("y", "0", e)])

conv_case("conv2d_basic", f32(1, 2, 5, 5), f32(3, 2, 3, 3))
conv_case("conv2d_bias", f32(2, 3, 6, 6), f32(4, 3, 3, 3), bias=f32(4))
conv_case("conv2d_stride2_pad1", f32(1, 2, 7, 7), f32(2, 2, 3, 3), stride=(2, 2), padding=(1, 1))
conv_case("conv2d_rect_stride_pad", f32(1, 1, 6, 8), f32(2, 1, 2, 3), stride=(1, 2), padding=(1, 0))
conv_case("conv2d_dilation2", f32(1, 1, 7, 7), f32(1, 1, 3, 3), dilation=(2, 2))
conv_case("conv2d_groups2", f32(1, 4, 5, 5), f32(6, 2, 3, 3), bias=f32(6), groups=2)
conv_case("conv2d_depthwise", f32(2, 3, 5, 5), f32(3, 1, 3, 3), padding=(1, 1), groups=3)

def pool_case(name, op, x, k, s, p):
    fn = F.max_pool2d if op == "max_pool2d" else F.avg_pool2d
    e = fn(t64(x), k, s, p).numpy().astype(np.float32)
    case(name, [("x", x)], ["%%0 = %s %%x kernel=[%d,%d] stride=[%d,%d] padding=[%d,%d] : %s" % (op, *k, *s, *p, ty(e))],
         [("y", "0", e)])

px = f32(2, 3, 6, 6)
pool_case("max_pool2d_k2", "max_pool2d", px, (2, 2), (2, 2), (0, 0))
pool_case("max_pool2d_k3_s2_p1", "max_pool2d", px, (3, 3), (2, 2), (1, 1))
pool_case("avg_pool2d_k2", "avg_pool2d", px, (2, 2), (2, 2), (0, 0))
pool_case("avg_pool2d_k3_s1_p1_counts_pad", "avg_pool2d", px, (3, 3), (1, 1), (1, 1))
pool_case("max_pool2d_rect", "max_pool2d", f32(1, 2, 5, 7), (2, 3), (1, 2), (0, 1))
case("global_avg_pool", [("x", px)], ["%0 = global_avg_pool %x : f32[2,3]"],
     [("y", "0", px.astype(np.float64).mean((2, 3)).astype(np.float32))])

# ---- shape ops -------------------------------------------------------------
s3 = f32(2, 3, 4)
case("reshape_infer", [("x", s3)], ["%0 = reshape %x shape=[4,-1] : f32[4,6]"], [("y", "0", s3.reshape(4, -1))])
si = ints(np.int64, 2, 6)
case("reshape_i64", [("x", si)], ["%0 = reshape %x shape=[3,2,2] : i64[3,2,2]"], [("y", "0", si.reshape(3, 2, 2))])
one = f32(1, 1)
case("reshape_to_scalar", [("x", one)], ["%0 = reshape %x shape=[] : f32[]"], [("y", "0", one.reshape(()))])
t2 = f32(3, 4)
case("transpose_2d", [("x", t2)], ["%0 = transpose %x perm=[1,0] : f32[4,3]"], [("y", "0", t2.T)])
case("transpose_3d", [("x", s3)], ["%0 = transpose %x perm=[2,0,1] : f32[4,2,3]"], [("y", "0", s3.transpose(2, 0, 1))])
bt = RNG.random((2, 3)) < 0.5
case("transpose_bool", [("x", bt)], ["%0 = transpose %x perm=[1,0] : bool[3,2]"], [("y", "0", bt.T)])
case("flatten_axis1", [("x", s3)], ["%0 = flatten %x axis=1 : f32[2,12]"], [("y", "0", s3.reshape(2, 12))])
case("flatten_axis0", [("x", s3)], ["%0 = flatten %x axis=0 : f32[1,24]"], [("y", "0", s3.reshape(1, 24))])
case("flatten_axis_rank", [("x", s3)], ["%0 = flatten %x axis=3 : f32[24,1]"], [("y", "0", s3.reshape(24, 1))])
c1, c2, c3 = f32(2, 3), f32(1, 3), f32(2, 2)
case("concat_axis0", [("a", c1), ("b", c2)], ["%0 = concat %a %b axis=0 : f32[3,3]"], [("y", "0", np.concatenate([c1, c2], 0))])
case("concat_axis1_three", [("a", c1), ("b", c3), ("c", c1)], ["%0 = concat %a %b %c axis=1 : f32[2,8]"],
     [("y", "0", np.concatenate([c1, c3, c1], 1))])
cb1, cb2 = RNG.random((2,)) < 0.5, RNG.random((3,)) < 0.5
case("concat_bool", [("a", cb1), ("b", cb2)], ["%0 = concat %a %b axis=0 : bool[5]"], [("y", "0", np.concatenate([cb1, cb2]))])
sl = f32(4, 10)
case("slice_basic", [("x", sl)], ["%0 = slice %x axis=1 start=2 end=7 step=1 : f32[4,5]"], [("y", "0", sl[:, 2:7])])
case("slice_step2", [("x", sl)], ["%0 = slice %x axis=1 start=1 end=10 step=2 : f32[4,5]"], [("y", "0", sl[:, 1:10:2])])
case("slice_negative_start", [("x", sl)], ["%0 = slice %x axis=1 start=-3 end=10 step=1 : f32[4,3]"], [("y", "0", sl[:, -3:])])
case("slice_clamped_end", [("x", sl)], ["%0 = slice %x axis=0 start=1 end=100 step=2 : f32[2,10]"], [("y", "0", sl[1:100:2])])
case("slice_empty", [("x", sl)], ["%0 = slice %x axis=0 start=3 end=1 step=1 : f32[0,10]"], [("y", "0", sl[3:1])])
bt3 = f32(3, 1)
case("broadcast_to", [("x", bt3)], ["%0 = broadcast_to %x shape=[2,3,4] : f32[2,3,4]"], [("y", "0", np.broadcast_to(bt3, (2, 3, 4)))])
case("broadcast_to_keep_dim", [("x", bt3)], ["%0 = broadcast_to %x shape=[-1,5] : f32[3,5]"], [("y", "0", np.broadcast_to(bt3, (3, 5)))])
gx = f32(5, 3)
gi = np.array([4, 0, 2, 2], np.int32)
case("gather_axis0", [("x", gx), ("i", gi)], ["%0 = gather %x %i axis=0 : f32[4,3]"], [("y", "0", np.take(gx, gi, 0))])
gi2 = np.array([[2, 0], [1, 1]], np.int64)
case("gather_axis1_2d_indices", [("x", gx), ("i", gi2)], ["%0 = gather %x %i axis=1 : f32[5,2,2]"],
     [("y", "0", np.take(gx, gi2, 1))])
gneg = np.array([-1, -5, 0], np.int64)
case("gather_negative_index", [("x", gx), ("i", gneg)], ["%0 = gather %x %i axis=0 : f32[3,3]"], [("y", "0", np.take(gx, gneg, 0))])
gxi = ints(np.int64, 4, 2)
case("gather_i64_data", [("x", gxi), ("i", gi[:3] % 4)], ["%0 = gather %x %i axis=0 : i64[3,2]"],
     [("y", "0", np.take(gxi, gi[:3] % 4, 0))])
tab = f32(10, 4)
ids = np.array([3, 9, 0], np.int64)
case("embedding_i64", [("t", tab), ("ids", ids)], ["%0 = embedding %t %ids : f32[3,4]"], [("y", "0", tab[ids])])
ids2 = np.array([[1, 2], [7, 7]], np.int32)
case("embedding_2d_i32", [("t", tab), ("ids", ids2)], ["%0 = embedding %t %ids : f32[2,2,4]"], [("y", "0", tab[ids2])])

# ---- losses / dropout ------------------------------------------------------
lg = f32(4, 5, lo=-3, hi=3)
lb = np.array([0, 4, 2, 2], np.int32)
case("cross_entropy_i32", [("x", lg), ("l", lb)], ["%0 = cross_entropy %x %l : f32[]"],
     [("loss", "0", np.float32(F.cross_entropy(t64(lg), torch.tensor(lb, dtype=torch.long)).item()))])
case("cross_entropy_i64", [("x", lg), ("l", lb.astype(np.int64))], ["%0 = cross_entropy %x %l : f32[]"],
     [("loss", "0", np.float32(F.cross_entropy(t64(lg), torch.tensor(lb, dtype=torch.long)).item()))])
mp, mt = f32(3, 4), f32(3, 4)
case("mse", [("p", mp), ("t", mt)], ["%0 = mse %p %t : f32[]"],
     [("loss", "0", np.float32(((mp.astype(np.float64) - mt) ** 2).mean()))])
case("dropout_is_identity", [("x", mp)], ["%0 = dropout %x p=0.5 seed=3 : f32[3,4]"], [("y", "0", mp)])
case("dropout_not_training", [("x", mp)], ["%0 = dropout %x p=0.5 seed=3 training=false : f32[3,4]"],
     [("y", "0", mp)])
dx = f32(6, 7)
for name, p, seed, step in (("dropout_training", 0.3, 3, None), ("dropout_training_step", 0.5, 2 ** 32 + 9, 5)):
    keep = philox_keep(seed, dx.shape, p, step or 0)
    want = np.where(keep, dx.astype(np.float64) / (1 - p), 0).astype(np.float32)
    operands, inputs = "%x", [("x", dx)]
    if step is not None:
        operands, inputs = "%x %s", inputs + [("s", np.float32(step))]
    case(name, inputs, ["%%0 = dropout %s p=%g seed=%d training=true : f32[6,7]" % (operands, p, seed)],
         [("y", "0", want)])

# ---- scatter_add (the gradient of gather) ----------------------------------
sx, su = f32(5, 3), f32(4, 3)
si = np.array([4, 0, 4, -1], np.int32)  # a repeat, and -1 = 4 once more
want = sx.astype(np.float64)
np.add.at(want, si, su)
case("scatter_add_axis0", [("x", sx), ("i", si), ("u", su)], ["%0 = scatter_add %x %i %u axis=0 : f32[5,3]"],
     [("y", "0", want.astype(np.float32))])
si2 = np.array([[2, 0], [2, 2]], np.int64)
su2 = f32(5, 2, 2)
want = sx.astype(np.float64)
for k, j in np.ndindex(si2.shape):
    want[:, si2[k, j]] += su2[:, k, j]
case("scatter_add_axis1_2d_indices", [("x", sx), ("i", si2), ("u", su2)],
     ["%0 = scatter_add %x %i %u axis=1 : f32[5,3]"], [("y", "0", want.astype(np.float32))])
sxi, sui = ints(np.int32, 3, 2), ints(np.int32, 2, 2)
want = sxi.copy()
np.add.at(want, np.array([1, 1]), sui)
case("scatter_add_i32", [("x", sxi), ("i", np.array([1, 1], np.int64)), ("u", sui)],
     ["%0 = scatter_add %x %i %u axis=0 : i32[3,2]"], [("y", "0", want)])

# ---- dynamic dims and a small model ----------------------------------------
dx, dw, db_ = f32(3, 8), f32(8, 4), f32(4)
h = np.maximum(dx.astype(np.float64) @ dw + db_, 0)
case("dynamic_batch_mlp", [("x", dx), ("w", dw), ("b", db_)],
     ["%0 = matmul %x %w : f32[?,4]", "%1 = add %0 %b : f32[?,4]", "%2 = relu %1 : f32[?,4]",
      "%3 = sum %2 axes=[1] keepdims=false : f32[?]"],
     [("h", "2", h.astype(np.float32)), ("s", "3", h.sum(1).astype(np.float32))],
     decls={"x": "f32[B,8]"})
ya = f32(3, 5)
yl = np.array([1, 0, 4], np.int64)
lsm = torch.log_softmax(t64(ya), 1)
case("dynamic_shared_dim", [("x", ya), ("y", yl)],
     ["%0 = cross_entropy %x %y : f32[]", "%1 = argmax %x axis=1 keepdims=false : i64[?]"],
     [("loss", "0", np.float32(-lsm[range(3), yl].mean().item())), ("pred", "1", ya.argmax(1))],
     decls={"x": "f32[N,5]", "y": "i64[N]"})
seq = f32(2, 6, 4)
case("dynamic_two_dims", [("x", seq)],
     ["%0 = softmax %x axis=2 : f32[?,?,4]", "%1 = transpose %0 perm=[1,0,2] : f32[?,?,4]",
      "%2 = reshape %1 shape=[-1,4] : f32[?,4]"],
     [("y", "2", torch.softmax(t64(seq), 2).numpy().transpose(1, 0, 2).reshape(-1, 4).astype(np.float32))],
     decls={"x": "f32[B,T,4]"})

# ---- .npy/.npz files written by NumPy, for the Npy tests ------------------
NPY = os.path.join(OUT, "npy")
os.makedirs(NPY, exist_ok=True)
io = {"f32": np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5,
      "f16": np.array([0.5, -1.25, 65504, 6e-8], np.float16),
      "i32": np.array([[1, -2], [2**31 - 1, -2**31]], np.int32),
      "i64": np.array([2**40, -3, 0], np.int64),
      "bool": np.array([True, False, True]),
      "scalar": np.float32(3.5),
      "empty": np.zeros((0, 3), np.float32)}
for k, v in io.items():
    np.save(os.path.join(NPY, k + ".npy"), v)
np.savez(os.path.join(NPY, "stored.npz"), **io)
np.savez_compressed(os.path.join(NPY, "deflated.npz"), **io)
# The dtypes added for ONNX, with values at the edges of each range.
io_more = {"f64": np.array([0.1, -1e300, 5e-324], np.float64),
           "i8": np.array([-128, 127, -1], np.int8),
           "i16": np.array([-32768, 32767, -2], np.int16),
           "u8": np.array([0, 255, 7], np.uint8),
           "u16": np.array([0, 65535, 9], np.uint16),
           "u32": np.array([0, 2**32 - 1, 11], np.uint32),
           "u64": np.array([0, 2**64 - 1, 2**63], np.uint64)}
for k, v in io_more.items():
    np.save(os.path.join(NPY, k + ".npy"), v)
np.savez(os.path.join(NPY, "more.npz"), **io_more)
np.save(os.path.join(NPY, "c8.npy"), np.zeros(3, np.complex64))
np.save(os.path.join(NPY, "fortran.npy"), np.asfortranarray(np.zeros((2, 3), np.float32)))
np.save(os.path.join(NPY, "bigendian.npy"), np.zeros(3, ">f4"))
for ver in [(2, 0), (3, 0)]:
    with open(os.path.join(NPY, "v%d.npy" % ver[0]), "wb") as f:
        np.lib.format.write_array(f, io["f32"], version=ver)
with open(os.path.join(NPY, "values.txt"), "w") as f:
    f.write(" ".join(repr(float(v)) for v in io["f32"].ravel()) + "\n")

with open(os.path.join(OUT, "cases.txt"), "w") as f:
    f.write("\n".join(CASES) + "\n")
print("wrote %d golden cases to %s" % (len(CASES), OUT))
