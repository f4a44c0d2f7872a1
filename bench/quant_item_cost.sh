#!/bin/bash
# The per-item cost of collect-quant labels under two sets of options, on one trained supernet,
# interleaved (the machine is shared: a ratio from one run is the figure), and whether the labels
# came out identical:
#   bash bench/quant_item_cost.sh RUN_DIR [ITEMS] [ROUNDS] [A_ARGS] [B_ARGS]
# RUN_DIR is a finished run of the embedded config (its supernet.h5 and costs.h5 are copied into
# fresh directories). Defaults: 24 items, 2 rounds, A "--collect-quant.fp-accuracy true" (each
# item also scored unquantized, as before 7 Dec 2026), B "--collect-quant.fp-accuracy false".
# The binary is APQ_BIN or build/apq-actors, on 2 ranks; APQ_BIN_A and APQ_BIN_B set one per
# side, to compare two builds (give both sides the same options then: A_ARGS = B_ARGS = "").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
run_dir="${1:?usage: quant_item_cost.sh RUN_DIR [ITEMS] [ROUNDS] [A_ARGS] [B_ARGS]}"
items="${2:-24}"
rounds="${3:-2}"
a_args="${4---collect-quant.fp-accuracy true}"  # given but empty: the config's own options
b_args="${5---collect-quant.fp-accuracy false}"
bin="${APQ_BIN:-$root/build/apq-actors}"
bin_a="${APQ_BIN_A:-$bin}"
bin_b="${APQ_BIN_B:-$bin}"
work="$(mktemp -d /tmp/apq-quant-cost.XXXXXX)"
trap 'rm -rf "$work"' EXIT
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

for round in $(seq "$rounds"); do
  for side in a b; do
    args="$a_args" side_bin="$bin_a"
    [ "$side" = b ] && args="$b_args" side_bin="$bin_b"
    dir="$work/$side$round"
    mkdir -p "$dir" && cp "$run_dir/supernet.h5" "$run_dir/costs.h5" "$dir/"
    # shellcheck disable=SC2086
    mpirun --bind-to none --oversubscribe -np 2 "$side_bin" --run-dir "$dir" --stage collect-quant \
      --collect-quant.samples "$items" $args > "$dir.log" 2>&1 ||
      { echo "quant_item_cost: the run with '$args' failed, see below" >&2; tail -5 "$dir.log" >&2; exit 1; }
    echo "round $round, $side_bin $args: $(grep -o 'collect-quant [0-9.]* s' "$dir.log")"
  done
done
/usr/bin/python3 - "$work" "$rounds" <<'PY'
import sys, h5py, numpy as np
work, rounds = sys.argv[1], int(sys.argv[2])
for r in range(1, rounds + 1):
    a, b = (h5py.File(f"{work}/{s}{r}/quant_dataset.h5", "r")["items"] for s in "ab")
    ia, ib = np.argsort(a["id"][:]), np.argsort(b["id"][:])
    same = all(np.array_equal(a[c][:][ia], b[c][:][ib]) for c in ("accuracy", "loss", "even_loss", "odd_loss"))
    sa, sb = a["seconds"][:].mean(), b["seconds"][:].mean()
    print(f"round {r}: seconds per item per core A {sa:.2f}, B {sb:.2f}: A/B {sa / sb:.2f}x; labels identical: {same}")
PY
