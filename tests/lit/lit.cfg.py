# lit configuration for nnc: tools from build/bin, FileCheck/not from LLVM 22.
import os
import lit.formats
from lit.llvm import llvm_config

config.name = "nnc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".nn", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.nnc_obj_root, "tests", "lit")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%nnc_src", config.nnc_src_root))
config.substitutions.append(("%python", config.python_executable))

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
llvm_config.with_system_environment(["PATH"])
# Prepended in this order: nnc's tools first, then LLVM's FileCheck and not.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.nnc_tools_dir, append_path=True)
tools = ["nnc", "nnc-opt", "nnc-run"]
llvm_config.add_tool_substitutions(tools, [config.nnc_tools_dir])

# The MLIR runner's support libraries, for tests that execute lowered code on
# the host (codegen/*-run.mlir).
llvm_lib_dir = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
for lib in ["mlir_runner_utils", "mlir_c_runner_utils"]:
    config.substitutions.append(
        ("%" + lib, os.path.join(llvm_lib_dir, "lib" + lib + ".so")))

# GPU binary validators, for codegen/spirv-*.mlir and codegen/ptx-*.mlir:
# `// REQUIRES: spirv-val` / `// REQUIRES: ptxas` skip where they are absent.
import shutil
for validator, fallback in [("spirv-val", None),
                            ("ptxas", "/usr/local/cuda/bin/ptxas")]:
    path = shutil.which(validator)
    if not path and fallback and os.access(fallback, os.X_OK):
        path = fallback
    if path:
        config.available_features.add(validator)
        # Last on PATH, so that it never shadows nnc's or LLVM's tools.
        config.environment["PATH"] += os.pathsep + os.path.dirname(path)
