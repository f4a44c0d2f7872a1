#!/usr/bin/env bash
# One search, every budget ([search] mode = pareto, pipeline/search_front.hpp). A finished tiny run
# with no budget searches one front, stored once in fronts/; the front is non-dominated in what
# the search ranks by (predicted mean - penalty x spread) against latency, and the scenario's
# joint results are its best points. A second budget is answered from the same front with no new
# search: its joint results are the front's best points within it, the front file and the first
# scenario stay byte-identical, and the baselines and finalize run for the new budget.
source "$(dirname "$0")/lib.sh"
run_apq 2 "$work/run" --search.mode pareto > "$work/first.log" 2>&1 || { cat "$work/first.log"; fail "the Pareto run failed"; }
grep -q "^search: Pareto search, predicted accuracy against latency" "$work/first.log" || { cat "$work/first.log"; fail "no Pareto search"; }
fronts=("$work"/run/fronts/latency-*.h5)
[ ${#fronts[@]} = 1 ] && [ -f "${fronts[0]}" ] || fail "expected one front file in fronts/, found: $(ls "$work/run/fronts" 2>&1)"
first=$(readlink "$work/run/search.h5")

check_scenario() {  # check_scenario SEARCH_H5 LATENCY_BUDGET (0: none)
  "$PY" - "$1" "$2" "${fronts[0]}" <<'PYEOF'
import sys, h5py
path, budget, front_path = sys.argv[1], float(sys.argv[2]), sys.argv[3]
def rows(f, method):
    r = f[method]["results"]
    return [dict(acc=a, sd=s, lat=l, arch=x.decode(), policy=p.decode())
            for a, s, l, x, p in zip(r["predicted_accuracy"][:], r["predicted_stddev"][:], r["latency_ms"][:], r["arch"][:], r["policy"][:])]
with h5py.File(path, "r") as f:
    config = f.attrs["config"]
    config = config.decode() if isinstance(config, bytes) else config
    penalty = 1.0
    section = ""
    for line in config.splitlines():
        if line.startswith("["): section = line
        elif section == "[search]" and line.startswith("uncertainty-penalty = "): penalty = float(line.split(" = ")[1])
    front, joint = rows(f, "pareto"), rows(f, "joint")
    results = int([l for l in config.splitlines() if l.startswith("results = ")][-1].split(" = ")[1])
with h5py.File(front_path, "r") as f:
    assert rows(f, "pareto") == front, "the scenario's copy of the front differs from fronts/"
fit = lambda r: r["acc"] - penalty * r["sd"]
assert len(front) >= 2, f"a front of {len(front)} points"
for a in front:
    for b in front:
        assert not (fit(b) >= fit(a) and b["lat"] <= a["lat"] and (fit(b) > fit(a) or b["lat"] < a["lat"])), f"a front point is dominated: {a} by {b}"
assert [r["lat"] for r in front] == sorted(r["lat"] for r in front), "the front is not ordered cheapest first"
within = sorted((r for r in front if budget <= 0 or r["lat"] <= budget), key=fit, reverse=True)
assert joint, "no joint results"
assert [(r["arch"], r["policy"]) for r in joint] == [(r["arch"], r["policy"]) for r in within[:results]], \
    "the joint results are not the front's best points within the budget"
print(f"front {len(front)} points, latency {front[0]['lat']:.4g}-{front[-1]['lat']:.4g} ms; joint best {fit(joint[0]):.4f} at {joint[0]['lat']:.4g} ms")
PYEOF
}
check_scenario "$work/run/search.h5" 0 || fail "the first scenario's front and answer"
budget=$("$PY" -c "
import h5py, sys
lat = sorted(h5py.File(sys.argv[1], 'r')['pareto/results/latency_ms'][:])
print(f'{(lat[0] + lat[-1]) / 2:.6f}')" "${fronts[0]}")
sums() { (cd "$work/run" && md5sum fronts/*.h5 "$first" "${first%/search.h5}/final.h5"); }
before=$(sums)

run_apq 2 "$work/run" --search.mode pareto --search.latency-ms "$budget" > "$work/second.log" 2>&1 || { cat "$work/second.log"; fail "the second budget failed"; }
grep -q "^search: the Pareto front in .* answers this budget; no new search" "$work/second.log" || { cat "$work/second.log"; fail "the second budget did not reuse the front"; }
grep -q "^search: Pareto search" "$work/second.log" && fail "the second budget searched again"
grep -q "^search: best staged candidate" "$work/second.log" && grep -q "^finalize: .* done" "$work/second.log" ||
  { cat "$work/second.log"; fail "the second budget's baselines or finalize did not run"; }
[ "$(sums)" = "$before" ] || fail "the second budget changed the front file or the first scenario"
second=$(readlink "$work/run/search.h5")
[ "$second" != "$first" ] || fail "the second budget is not a scenario of its own"
check_scenario "$work/run/search.h5" "$budget" || fail "the second scenario's answer from the front"

# Rerunning redoes nothing.
run_apq 2 "$work/run" --search.mode pareto --search.latency-ms "$budget" > "$work/same.log" 2>&1 || { cat "$work/same.log"; fail "the rerun failed"; }
grep -q "joint results are in .*, skipping" "$work/same.log" || { cat "$work/same.log"; fail "the rerun searched again"; }
echo "PASS: one front answered two budgets"
