#!/usr/bin/env bash
# Sets up, builds everything and runs every test (lit + GoogleTest through
# lit, then the Python tests with pytest). Ends with one "N passed, N failed"
# line covering both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
# A build/ configured before nanobind was installed has no Python package:
# reconfigure once so the bindings are picked up.
if ! compgen -G "build/python_packages/mha/_mha*.so" >/dev/null &&
  ! grep -q '^MHA_ENABLE_PYTHON:BOOL=OFF' build/CMakeCache.txt; then
  cmake -S . -B build >/dev/null
  bash scripts/build.sh
fi
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

# Python tests against the package in the build tree.
if compgen -G "build/python_packages/mha/_mha*.so" >/dev/null; then
  set +e
  PYTHONPATH="$PWD/build/python_packages${PYTHONPATH:+:$PYTHONPATH}" \
    python3 -m pytest -q -p no:cacheprovider -n "$(nproc)" python/tests 2>&1 | tee "$log"
  prc=${PIPESTATUS[0]}
  set -e
  ((prc == 5)) && prc=0 # no tests collected is not a failure
  summary=$(grep -E '[0-9]+ (passed|failed|error)' "$log" | tail -1)
  n=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
  passed=$((passed + n))
  for kind in failed errors error; do
    n=$(grep -oE "[0-9]+ $kind\b" <<<"$summary" | grep -oE '[0-9]+' || echo 0)
    failed=$((failed + n))
  done
  if ((prc != 0)) && [[ -z $summary ]]; then
    failed=$((failed + 1)) # pytest died before its summary
  fi
else
  echo "python: build/python_packages/mha was not built (nanobind missing at configure time?)"
  prc=1
  failed=$((failed + 1))
fi
rm -f "$log"
echo "check-mha: $passed passed, $failed failed"
((rc == 0)) && rc=$prc
exit "$rc"
