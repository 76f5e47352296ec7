#!/usr/bin/env bash
# Configures (preset 'default': Ninja, clang-22, Release, build/) and builds.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD"
[[ -f build/build.ninja ]] || cmake --preset default >/dev/null
cmake --build build "$@"
