#!/usr/bin/env bash
# Document mask as a mask_mod (tile classification) vs the same mask as a
# dense [S, S] boolean tensor on the CPU pipeline (issue 14's target: >= 4x
# faster). 8 documents of random lengths (seed SEED) summing to 8192.
# Usage: bench/variants/document-mask.sh [BUILD_DIR] [RUNS] [SEED]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
runs="${2:-3}"
seed="${3:-1}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" "$seed" <<'PY'
import sys
import numpy as np
out, seed = sys.argv[1], int(sys.argv[2])
s, docs = 8192, 8
rng = np.random.default_rng(seed)
cuts = np.sort(rng.choice(np.arange(1, s), size=docs - 1, replace=False))
lengths = np.diff(np.concatenate([[0], cuts, [s]]))
ids = np.repeat(np.arange(docs), lengths).astype(np.float32)
np.save(f"{out}/ids.npy", ids)
np.save(f"{out}/mask.npy", (ids[:, None] == ids[None, :]).reshape(1, 1, s, s))
visible = int((lengths.astype(np.int64) ** 2).sum())
print(f"document lengths: {lengths.tolist()}")
print(f"visible pairs: {visible} of {s * s} ({100 * visible / s / s:.1f}%)")
PY
run() {
  "$build/bin/mha-run" "$here/document_mask.mlir" --entry="$1" --seed=1 \
    --input=3="$2" --bench="$runs" --json
}
docs=$(run documents "$tmp/ids.npy")
dense=$(run dense_mask "$tmp/mask.npy")
python3 - "$docs" "$dense" <<'PY'
import json, sys
d, m = (json.loads(a)["bench"]["median_seconds"] * 1e3 for a in sys.argv[1:3])
print(f"mask_mod (document ids): {d:8.1f} ms")
print(f"dense boolean mask:      {m:8.1f} ms")
print(f"speed-up: {m / d:.2f}x (target >= 4x)")
PY
uptime
