#!/usr/bin/env bash
# Sets up, builds everything and runs every test (lit + GoogleTest through
# lit). Ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
log=$(mktemp)
set +e
/usr/lib/llvm-22/bin/lit -sv build/test build/test/Unit 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
passed=$(grep -oE '^ *Passed *: *[0-9]+' "$log" | grep -oE '[0-9]+' || echo 0)
failed=0
for kind in Failed Unresolved 'Unexpectedly Passed' 'Timed Out'; do
  n=$(grep -oE "^ *$kind *: *[0-9]+" "$log" | grep -oE '[0-9]+$' || echo 0)
  failed=$((failed + n))
done
rm -f "$log"
echo "check-mha: $passed passed, $failed failed"
exit "$rc"
