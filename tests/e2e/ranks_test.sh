#!/usr/bin/env bash
# The same seed and config give the same results with 1 and with 2 ranks: both runs start from
# the same trained supernet (training itself is checked rank-independent in the kernel tests,
# up to float summation order) and use one compute thread per rank; then every dataset item,
# the predictors' quality, the search results and the final accuracies must be identical.
source "$(dirname "$0")/lib.sh"
run_apq 1 "$work/one" --threads 1 --stage train > "$work/train.log" 2>&1 || { cat "$work/train.log"; fail "training failed"; }
mkdir -p "$work/two"
cp "$work/one/supernet.h5" "$work/two/"
run_apq 1 "$work/one" --threads 1 > "$work/one.log" 2>&1 || { cat "$work/one.log"; fail "the 1-rank run failed"; }
run_apq 2 "$work/two" --threads 1 > "$work/two.log" 2>&1 || { cat "$work/two.log"; fail "the 2-rank run failed"; }
"$PY" "$APQ_SOURCE_DIR/tests/e2e/compare_runs.py" "$work/one" "$work/two" || fail "1-rank and 2-rank results differ"
echo "e2e ranks: ok"
