#!/bin/bash
# Rank scaling of the pipeline on this machine, one compute thread per rank:
#   bash bench/rank_scaling.sh [ITEMS] [TRAIN_STEPS]      (defaults 80 and 60)
# Measures, in one run:
#   collect-fp  ITEMS subnets on 1 rank, on 2 ranks, and (the baseline) two independent 1-rank
#               jobs at the same time: what two busy cores of this machine can give at best;
#   train       TRAIN_STEPS steps of the largest-subnet phase on 1 and on 2 ranks.
# Prints the speed-ups (1 rank / 2 ranks) and the 2-rank rate against the two independent
# jobs. Each figure is the stage time apq-actors reports; the supernet comes from a short
# training run made first (its accuracy does not matter here).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${APQ_BIN:-$root/build/apq-actors}"
items="${1:-80}"
steps="${2:-60}"
work="$(mktemp -d /tmp/apq-scaling.XXXXXX)"
trap 'rm -rf "$work"' EXIT
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
config="$root/configs/quick.ini"

run() {  # run NP DIR ARGS...: prints the stage time in seconds
  local np="$1" dir="$2"
  shift 2
  mpirun --bind-to none --oversubscribe -np "$np" "$bin" --config "$config" --run-dir "$dir" --threads 1 "$@" \
    > "$dir.log" 2>&1 || { echo "rank_scaling: apq-actors failed, see below" >&2; tail -5 "$dir.log" >&2; exit 1; }
  sed -n 's/^apq-actors: stage times: [a-z-]* \([0-9.]*\) s;.*/\1/p' "$dir.log"
}

fresh() {  # fresh DIR: a run dir holding the trained supernet only
  mkdir -p "$1"
  cp "$work/base/supernet.h5" "$work/base/costs.h5" "$1/"
}

echo "rank_scaling: training a small supernet to evaluate ..."
# The supernet's training keys go with every run that uses it: supernet.h5 is decided by them.
base_train=(--train.phase-steps 30,10,10,10)
run 1 "$work/base" --stage train "${base_train[@]}" > /dev/null

fresh "$work/fp1"
fp1=$(run 1 "$work/fp1" --stage collect-fp --collect-fp.samples "$items" "${base_train[@]}")
fresh "$work/fp2"
fp2=$(run 2 "$work/fp2" --stage collect-fp --collect-fp.samples "$items" "${base_train[@]}")
fresh "$work/ind_a"
fresh "$work/ind_b"
run 1 "$work/ind_a" --stage collect-fp --collect-fp.samples "$items" "${base_train[@]}" > "$work/ind_a.time" &
other=$!
ind_b=$(run 1 "$work/ind_b" --stage collect-fp --collect-fp.samples "$items" "${base_train[@]}")
wait "$other"
ind_a=$(cat "$work/ind_a.time")

tr1=$(run 1 "$work/tr1" --stage train --train.phase-steps "$steps",0,0,0)
tr2=$(run 2 "$work/tr2" --stage train --train.phase-steps "$steps",0,0,0)

awk -v items="$items" -v steps="$steps" -v fp1="$fp1" -v fp2="$fp2" -v a="$ind_a" -v b="$ind_b" \
    -v tr1="$tr1" -v tr2="$tr2" 'BEGIN {
  both = items / a + items / b
  printf "collect-fp %d items: 1 rank %.1f s (%.2f items/s) | 2 ranks %.1f s (%.2f items/s) = %.2fx\n",
         items, fp1, items / fp1, fp2, items / fp2, fp1 / fp2
  printf "  baseline, two independent 1-rank jobs at once: %.1f s and %.1f s = %.2f items/s together = %.2fx;\n",
         a, b, both, both / (items / fp1)
  printf "  2 ranks reach %.0f%% of that\n", 100 * (items / fp2) / both
  printf "train %d steps x 128 images: 1 rank %.1f s | 2 ranks %.1f s = %.2fx\n", steps, tr1, tr2, tr1 / tr2
}'
