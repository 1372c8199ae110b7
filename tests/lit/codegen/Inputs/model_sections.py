"""Lists the sections of a model.so (docs/model-format.md) and checks that
every kernel a plan names is in the file: each kernel of `plan` has its
`spirv:MODULE` section (when the file has SPIR-V), each kernel of the plan
CUDA runs (`plan:cuda` where present, else `plan`) is an `.entry` of the
`ptx` section (when the file has PTX).
Usage: model_sections.py model.so"""
import re
import struct
import sys


def sections(path):
    data = open(path, "rb").read()
    at = data.find(b"NNCMODEL")
    if at < 0:
        sys.exit(f"{path}: no NNCMODEL container")
    version, count, total = struct.unpack_from("<IIQ", data, at + 8)
    pos, out = at + 24, {}
    for _ in range(count):
        (n,) = struct.unpack_from("<I", data, pos)
        name = data[pos + 4:pos + 4 + n].decode()
        (size,) = struct.unpack_from("<Q", data, pos + 4 + n)
        start = pos + 12 + n
        out[name] = data[start:start + size]
        pos = start + size
    return out


def kernels(plan):
    return [line.split()[2] for line in plan.decode().splitlines()
            if line.startswith("kernel ")]


def main():
    s = sections(sys.argv[1])
    ok = True
    for name in sorted(s):
        if not name.startswith(("spirv:", "spirv-caps:", "global:")):
            print(f"section {name}")
    print(f"spirv kernels {sum(n.startswith('spirv:') for n in s)}")
    for plan in ("plan", "plan:cuda"):
        if plan in s:
            print(f"{plan}: {len(kernels(s[plan]))} kernels")
    if any(n.startswith("spirv:") for n in s):
        for k in kernels(s["plan"]):
            if f"spirv:{k}" not in s:
                print(f"error: plan kernel {k} has no spirv:{k} section")
                ok = False
    if "ptx" in s:
        entries = set(re.findall(r"\.entry\s+([A-Za-z0-9_$]+)\s*\(", s["ptx"].decode()))
        cuda = s.get("plan:cuda", s["plan"])
        for k in kernels(cuda):
            if k not in entries:
                print(f"error: CUDA plan kernel {k} is no .entry of the ptx section")
                ok = False
        print(f"ptx entries {len(entries)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
