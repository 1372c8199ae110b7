#!/usr/bin/python3
"""malformed_nn.py: mutate every .nn file of the repo (truncations, deleted,
duplicated and swapped tokens and lines) and check that `nnc --emit=nn` either
compiles the result or reports `file:line:col: error:` with exit status 1 --
never a signal, an assertion or an MLIR dump.

Usage: malformed_nn.py NNC REPO_ROOT [N_PER_FILE]
"""
import os
import random
import re
import subprocess
import sys
import tempfile


def mutations(text, rng, n):
    tokens = re.findall(r"\s+|\w+|[^\w\s]", text)
    lines = text.splitlines(keepends=True)
    junk = ["(", ")", "[", "]", ",", "=", "@", "-", "1e999", "\"", "fn", "return",
            "{", "}", ":", "f32[", "B", "-1", "0", "axis=", "9999999999999999999999"]
    for _ in range(n):
        kind = rng.randrange(6)
        if kind == 0:
            yield text[: rng.randrange(len(text) + 1)]
        elif kind == 1 and tokens:
            t = list(tokens); del t[rng.randrange(len(t))]; yield "".join(t)
        elif kind == 2 and tokens:
            t = list(tokens); t.insert(rng.randrange(len(t) + 1), rng.choice(junk)); yield "".join(t)
        elif kind == 3 and lines:
            l = list(lines); i = rng.randrange(len(l)); l.insert(i, l[i]); yield "".join(l)
        elif kind == 4 and len(lines) > 1:
            l = list(lines); i, j = rng.randrange(len(l)), rng.randrange(len(l))
            l[i], l[j] = l[j], l[i]; yield "".join(l)
        else:
            t = list(tokens)
            for _ in range(3):
                if t:
                    t[rng.randrange(len(t))] = rng.choice(junk)
            yield "".join(t)


def main():
    nnc, root = sys.argv[1], sys.argv[2]
    per_file = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    sources = []
    for d, _, files in os.walk(root):
        if "/build" in d or "/.git" in d:
            continue
        sources += [os.path.join(d, f) for f in files if f.endswith(".nn") and "invalid-" not in f]
    rng = random.Random(1234)
    bad = 0
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted(sources):
            text = open(src).read()
            # The examples get the full budget; the many small test models
            # (tests/e2e/ops, ...) a few mutations each, to bound the run.
            n = per_file if "/examples/" in src else 2
            for k, m in enumerate(mutations(text, rng, n)):
                path = os.path.join(tmp, f"m{k}.nn")
                open(path, "w").write(m)
                total += 1
                try:
                    r = subprocess.run([nnc, path, "--emit=nn"], capture_output=True, text=True, timeout=30)
                except subprocess.TimeoutExpired:
                    print(f"HANG on a mutation of {src}:\n{m}"); bad += 1; continue
                if r.returncode == 0:
                    continue
                located = re.search(r"m%d\.nn:\d+:\d+: error: " % k, r.stderr)
                if r.returncode != 1 or not located or "Assertion" in r.stderr or "Stack dump" in r.stderr:
                    bad += 1
                    print(f"BAD (exit {r.returncode}) on a mutation of {src}:\n--- input\n{m}\n--- stderr\n{r.stderr[:2000]}")
    print(f"{total} mutated files, {bad} bad")
    sys.exit(1 if bad or total == 0 else 0)


if __name__ == "__main__":
    main()
