#!/usr/bin/env bash
# Installs what mha-mlir needs on a fresh Debian 12 machine (idempotent):
# LLVM/MLIR 22, lit/FileCheck, clang/lld 22 (with its sanitizer and libFuzzer
# runtimes), libomp, GoogleTest, Ninja, CMake, Open MPI (distributed attention).
set -euo pipefail

packages=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libclang-rt-22-dev
  libomp-22-dev googletest libgtest-dev cmake ninja-build ccache python3
  python3-dev python3-pip python3-venv
  openmpi-bin libopenmpi-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || {
      echo "setup: error: need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get update -qq; then
    echo "setup: error: 'apt-get update' failed; cannot install ${missing[*]}" >&2
    exit 1
  fi
  if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "setup: error: could not install ${missing[*]} (LLVM/MLIR 22 comes from" \
      "Debian 12's bookworm-security/bookworm-updates suites)" >&2
    exit 1
  fi
fi

for tool in /usr/lib/llvm-22/bin/mlir-opt /usr/lib/llvm-22/bin/lit /usr/lib/llvm-22/bin/FileCheck; do
  [[ -x $tool ]] || { echo "setup: error: $tool is missing after install" >&2; exit 1; }
done
# Python: nanobind (the bindings, found at configure time) and what the
# tests import (pytest-xdist runs them on every core). PyTorch and IREE are
# optional peers of `python -m mha.bench`.
py_packages=(nanobind numpy pytest pytest-xdist ml_dtypes)
if ! python3 -c "import nanobind, numpy, pytest, xdist, ml_dtypes" 2>/dev/null; then
  echo "setup: pip installing ${py_packages[*]}"
  export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
  python3 -m pip install --quiet "${py_packages[@]}" 2>/dev/null ||
    python3 -m pip install --quiet --break-system-packages "${py_packages[@]}" || {
    echo "setup: error: could not pip install ${py_packages[*]} for $(command -v python3)" >&2
    exit 1
  }
fi
echo "setup: dependencies present"
