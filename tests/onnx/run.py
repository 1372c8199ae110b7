#!/usr/bin/env python3
"""ONNX conformance runner: every libonnx-testdata node test through nnc.

Each test: `nnc model.onnx` (--emit=graph for the reference device, -o
model.so otherwise), each test_data_set_* input converted to .npy, run with
nnc-run on the device, outputs compared with ONNX's tolerances (rtol 1e-3,
atol 1e-7). A test that nnc refuses at import is skipped, with the reason; a
crash, a later compile error or a wrong answer is a failure.
"""
import argparse, collections, io, glob, os, re, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
from onnx import numpy_helper

RTOL, ATOL = 1e-3, 1e-7


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def run_test(test_dir, args):
    name = os.path.basename(test_dir)
    model_path = os.path.join(test_dir, "model.onnx")
    with tempfile.TemporaryDirectory(prefix="nnc-onnx-") as tmp:
        compiled = os.path.join(tmp, "model.graph" if args.device == "reference" else "model.so")
        cmd = [args.nnc, model_path, "-o", compiled]
        if args.device in ("vulkan", "cuda"):  # only the device's kernels
            cmd.append("--target=" + args.device)
        if args.device == "reference":
            cmd.append("--emit=graph")
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            return name, "fail", "compile timed out", None
        if p.returncode != 0:
            msg = p.stderr.strip().splitlines()
            msg = msg[0] if msg else "exit %d" % p.returncode
            if p.returncode < 0 or p.returncode > 128:
                return name, "fail", "nnc crashed (%d): %s" % (p.returncode, msg), None
            if "error: " + model_path + ": " in msg:  # the importer's one-line error
                return name, "skip", msg.split(model_path + ": ", 1)[1], None
            # A dtype or op the device lacks by design (f64 exp on SPIR-V,
            # bf16 on Vulkan) is a skip on that device, not a pass or a fail.
            if re.search(r"has no Vulkan \(SPIR-V\) lowering|is not supported on Vulkan", msg):
                return name, "skip", "device: " + msg.split("error: ", 1)[-1], None
            return name, "fail", "compile: " + msg, None
        model = onnx.load(model_path, load_external_data=False)
        inits = {t.name for t in model.graph.initializer}
        in_names = [i.name for i in model.graph.input if i.name not in inits]
        out_names = [o.name for o in model.graph.output]
        sets = sorted(glob.glob(os.path.join(test_dir, "test_data_set_*")))
        # NumPy has no bfloat16, so such tensors cannot cross nnc-run's .npy.
        for v in list(model.graph.input) + list(model.graph.output):
            if v.type.tensor_type.elem_type == onnx.TensorProto.BFLOAT16:
                return name, "skip", "runner: bfloat16 test data cannot cross .npy", None
        if not sets:
            return name, "skip", "no test data", None
        for s in sets:
            cmd = [args.nnc_run, compiled, "--device", args.device]
            for i, n in enumerate(in_names):
                pb = os.path.join(s, "input_%d.pb" % i)
                if not os.path.exists(pb):
                    continue
                npy = os.path.join(tmp, "in%d.npy" % i)
                np.save(npy, load_pb(pb))
                cmd += ["--input", "%s=%s" % (n, npy)]
            outs = []
            for i, n in enumerate(out_names):
                npy = os.path.join(tmp, "out%d.npy" % i)
                outs.append((n, npy, os.path.join(s, "output_%d.pb" % i)))
                cmd += ["--output", "%s=%s" % (n, npy)]
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            except subprocess.TimeoutExpired:
                return name, "fail", "run timed out", None
            if p.returncode != 0:
                msg = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
                return name, "fail", "run: " + msg, None
            for n, got_path, want_path in outs:
                want = load_pb(want_path)
                got = np.load(got_path)
                if got.shape != want.shape:
                    return name, "fail", "output %s: shape %s, expected %s" % (n, got.shape, want.shape), None
                if want.dtype == np.bool_ or got.dtype == np.bool_:
                    ok = np.array_equal(got.astype(np.bool_), want.astype(np.bool_))
                else:
                    ok = np.allclose(got.astype(np.float64), want.astype(np.float64),
                                     rtol=RTOL, atol=ATOL, equal_nan=True)
                if not ok:
                    err = np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))
                    return name, "fail", "output %s differs (max abs error %g)" % (n, err), None
        return name, "pass", "", None


def safe_run_test(test_dir, args):
    try:
        return run_test(test_dir, args)
    except Exception as e:  # a broken test file must not stop the run
        return os.path.basename(test_dir), "fail", "runner: %s: %s" % (type(e).__name__, e), None


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="reference", choices=["reference", "vulkan", "cuda"])
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data/node")
    ap.add_argument("--filter", default="")
    ap.add_argument("--only", help="run only the tests listed in this file")
    ap.add_argument("--list-passing", help="write the passing tests here")
    ap.add_argument("--results", help="write the markdown report here")
    ap.add_argument("--build", default=os.environ.get("NNC_BUILD_DIR", os.path.join(root, "build")))
    ap.add_argument("-j", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    args.nnc = os.path.join(args.build, "bin", "nnc")
    args.nnc_run = os.path.join(args.build, "bin", "nnc-run")
    tests = sorted(d for d in glob.glob(os.path.join(args.data, "*")) if os.path.isfile(os.path.join(d, "model.onnx")))
    if args.filter:
        tests = [t for t in tests if re.search(args.filter, os.path.basename(t))]
    if args.only:
        wanted = {l.strip() for l in open(args.only) if l.strip() and not l.startswith("#")}
        missing = wanted - {os.path.basename(t) for t in tests}
        if missing:
            print("missing tests: " + ", ".join(sorted(missing)))
            return 1
        tests = [t for t in tests if os.path.basename(t) in wanted]
    with ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        results = list(pool.map(lambda t: safe_run_test(t, args), tests))
    counts = collections.Counter(r[1] for r in results)
    for name, status, why, _ in results:
        if status != "pass" or args.only:
            print("%s: %s%s" % (status.upper(), name, " -- " + why if why else ""))
    summary = "%d passed, %d failed, %d skipped" % (counts["pass"], counts["fail"], counts["skip"])
    if args.list_passing:
        with open(args.list_passing, "w") as f:
            f.write("# ONNX node tests that pass on the %s device (tests/onnx/run.sh --list-passing)\n" % args.device)
            for name, status, _, _ in results:
                if status == "pass":
                    f.write(name + "\n")
    if args.results is None and not args.only and not args.filter:
        args.results = os.path.join(root, "tests", "onnx", "RESULTS.md")
    if args.results:
        op_of = {}
        for t in tests:
            m = onnx.load(os.path.join(t, "model.onnx"), load_external_data=False)
            op_of[os.path.basename(t)] = ",".join(sorted({n.op_type for n in m.graph.node})) or "-"
        skips = collections.Counter(re.sub(r"^node '[^']*' \((\w+), opset \d+\):", r"\1:", why) for _, s, why, _ in results if s == "skip")
        fails = collections.defaultdict(list)
        for name, s, why, _ in results:
            if s == "fail":
                fails[op_of[name]].append((name, why))
        # One section per device; a run replaces its own device's section.
        sections = {}
        if os.path.exists(args.results):
            for part in open(args.results).read().split("<!-- device: ")[1:]:
                dev, body = part.split(" -->", 1)
                sections[dev] = body
        f = io.StringIO()
        if True:
            f.write("\n## Device: %s\n\n" % args.device)
            f.write("`tests/onnx/run.sh --device %s`: **%s** (%d tests; rtol %g, atol %g).\n\n"
                    % (args.device, summary, len(results), RTOL, ATOL))
            f.write("### Failures by operator\n\n")
            for op in sorted(fails):
                f.write("- %s: %s\n" % (op, "; ".join("%s (%s)" % nw for nw in fails[op])))
            # Strings, sequences, maps and optionals have no place in a GPU
            # kernel's buffers: those skips are by design, the rest are gaps.
            by_design = re.compile(r"STRING|is not a tensor|^(Sequence\w+|Optional\w*|Split ?ToSequence|ConcatFromSequence|String\w+|RegexFullMatch):")
            f.write("\n### Skip reasons (unsupported at import)\n\n| tests | reason | kind |\n|---|---|---|\n")
            for why, n in skips.most_common():
                kind = ("by design (no such type in a GPU compiler)" if by_design.search(why)
                        else "device lacks it" if why.startswith("device:") else "not yet supported")
                f.write("| %d | %s | %s |\n" % (n, why.replace("|", "\\|"), kind))
        sections[args.device] = f.getvalue()
        with open(args.results, "w") as out:
            out.write("# ONNX conformance (libonnx-testdata node suite)\n\n"
                      "Written by tests/onnx/run.sh; the pass list for scripts/test.sh is "
                      "tests/onnx/pass-reference.txt.\n")
            for dev in sorted(sections):
                out.write("\n<!-- device: %s -->%s" % (dev, sections[dev]))
    print(summary)
    return 0 if counts["fail"] == 0 or not args.only else 1


if __name__ == "__main__":
    sys.exit(main())
