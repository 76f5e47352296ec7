#!/usr/bin/env bash
# Regenerates the sample outputs in docs/ (the blocks marked
# `<!-- sample: CMD -->`) by running their commands against build/, and
# names the machine they came from (`<!-- sample-machine -->`). Build first
# (bash scripts/build.sh). test/docs-tutorial.test checks that the samples
# still have the shape the tools print (numbers and CPU names aside).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x build/bin/mha-run ]] || {
  echo "refresh-doc-samples: build/bin/mha-run is missing: run bash scripts/build.sh first" >&2
  exit 2
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/check-doc-snippets.py --update --src . --build build \
  --work "$work" docs/tools.md docs/aot.md
