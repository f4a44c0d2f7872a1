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
"$PY" - "$work/one" "$work/two" <<'PYEOF' || fail "1-rank and 2-rank results differ"
import sys, h5py

def table(path, group, key="id"):
    with h5py.File(path, "r") as f:
        g = f[group]
        cols = {name: g[name][:] for name in g if g[name].ndim == 1}
    order = sorted(range(len(cols[key])), key=lambda i: cols[key][i])
    return {name: [v[i] for i in order] for name, v in cols.items() if name != "seconds"}

one, two = sys.argv[1], sys.argv[2]
checks = [("fp_dataset.h5", "items", "id"), ("quant_dataset.h5", "items", "id"),
          ("search.h5", "joint/results", "rank"), ("search.h5", "staged/results", "rank"), ("final.h5", "report", "rank")]
bad = []
for name, group, key in checks:
    a, b = table(f"{one}/{name}", group, key), table(f"{two}/{name}", group, key)
    for col in a:
        if list(map(str, a[col])) != list(map(str, b[col])):
            bad.append(f"{name}:{group}/{col}")
for group in ("fp", "quant", "quant_scratch"):
    attrs = [dict(h5py.File(f"{d}/predictors.h5", "r")[group].attrs) for d in (one, two)]
    for key in ("rmse", "pearson", "kendall_tau", "n_train"):
        if attrs[0][key] != attrs[1][key]:
            bad.append(f"predictors.h5:/{group}@{key}")
if bad:
    sys.exit("differ: " + ", ".join(bad))
print("identical:", ", ".join(f"{n}:{g}" for n, g, _ in checks))
PYEOF
echo "e2e ranks: ok"
