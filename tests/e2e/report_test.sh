#!/usr/bin/env bash
# The report stage (pipeline/stage_report.cpp): a tiny run with two budgets gives report.h5 with the
# transfer curve (every count and seed, transferred and from scratch, beside the labels'
# reliability) and every finalized network of both scenarios, and report.md with a table per
# scenario holding every method, the verdict lines and three charts that parse as SVG. Rerunning
# the stage reuses the curve; a changed [report] setting recomputes it. A run of another seed gives
# the seed spread (apq-h5 seeds).
source "$(dirname "$0")/lib.sh"
run_apq 2 "$work/run" --report.curve-pairs 8,12 --report.curve-seeds 3 > "$work/first.log" 2>&1 || { cat "$work/first.log"; fail "the run failed"; }
run_apq 2 "$work/run" --report.curve-pairs 8,12 --report.curve-seeds 3 --search.latency-ms 0.02 > "$work/second.log" 2>&1 ||
  { cat "$work/second.log"; fail "the second budget failed"; }
grep -q "^report: the transfer curve in .* is current, reusing it" "$work/second.log" || { cat "$work/second.log"; fail "the second run recomputed the curve"; }

check_report() {  # check_report SEEDS
  "$PY" - "$work/run" "$1" <<'PYEOF'
import glob, os, sys, h5py, xml.dom.minidom
run, seeds = sys.argv[1], int(sys.argv[2])
with h5py.File(f"{run}/report.h5", "r") as f:
    assert f.attrs["schema"] in (b"apq-actors/report", "apq-actors/report"), f.attrs["schema"]
    c = f["transfer_curve"]
    points = sorted(zip([m.decode() for m in c["method"][:]], c["pairs"][:], c["seed"][:]))
    train = max(p for _, p, _ in points)
    want = sorted((m, n, s) for m in ("scratch", "transfer") for n in (8, 12, train) for s in range(seeds))
    assert points == want, f"curve points {points} != {want}"
    for key in ("label_reliability", "label_split_half_tau", "label_tau_ceiling"):
        assert 0 <= c.attrs[key] <= 1, (key, c.attrs[key])
    assert c.attrs["heldout"] >= 2
    r = f["finalized"]
    rows = sorted(zip([s.decode() for s in r["scenario"][:]], [m.decode() for m in r["method"][:]], r["val_accuracy"][:]))
finals = []
for path in sorted(glob.glob(f"{run}/scenarios/*/final.h5")):
    name = os.path.basename(os.path.dirname(path))
    with h5py.File(path, "r") as g:
        finals += [(name, m.decode(), v) for m, v in zip(g["report/method"][:], g["report/val_accuracy"][:])]
assert len({s for s, _, _ in finals}) == 2, f"expected two finalized scenarios: {finals}"
assert rows == sorted(finals), "report.h5 does not hold every finalized network of every scenario"
md = open(f"{run}/report.md").read()
for scenario, method, val in finals:
    assert f"### {scenario} (" in md, f"no section for {scenario}"
    assert f"| {method} |" in md and f"{100 * val:.2f}" in md, f"no row for {method} ({100 * val:.2f}) of {scenario}"
for text in ("split-half tau", "transfer does not clearly beat scratch", "joint vs staged", "Pearson r",
             "points from their forecast on average"):
    if text == "transfer does not clearly beat scratch" and "transfer beats scratch" in md:
        continue
    assert text in md, f"report.md lacks '{text}'"
for svg in ("report-transfer.svg", "report-methods.svg", "report-predicted.svg"):
    assert f"({svg})" in md, f"report.md does not show {svg}"
    xml.dom.minidom.parse(f"{run}/{svg}")
print(f"report: {len(points)} curve points, {len(rows)} finalized networks in 2 scenarios")
PYEOF
}
check_report 3 || fail "the report after two budgets"

run_apq 2 "$work/run" --stage report --report.curve-pairs 8,12 --report.curve-seeds 2 --search.latency-ms 0.02 > "$work/third.log" 2>&1 ||
  { cat "$work/third.log"; fail "the report stage alone failed"; }
grep -q "^report: transfer curve" "$work/third.log" || { cat "$work/third.log"; fail "a changed curve-seeds did not recompute the curve"; }
check_report 2 || fail "the report after a changed curve setting"
# A second run seed (its own supernet and datasets) at the first budget: apq-h5 seeds sets joint
# against each baseline side by side per seed.
run_apq 2 "$work/seed2" --seed 2 --report.curve-pairs 8,12 --report.curve-seeds 2 > "$work/seed2.log" 2>&1 ||
  { cat "$work/seed2.log"; fail "the seed-2 run failed"; }
"$APQ_H5" seeds "$work/run" "$work/seed2" > "$work/seeds.txt" || { cat "$work/seeds.txt"; fail "apq-h5 seeds"; }
cat "$work/seeds.txt"
seed=$(awk -F' = ' '$1 == "seed" {print $2}' "$TINY")
grep -q "^Seed spread over 2 runs (seeds $seed 2)" "$work/seeds.txt" || fail "apq-h5 seeds: no heading"
for method in "joint val %" "joint - staged" "joint - random" "transfer - scratch tau"; do
  row=$(grep -F "$method" "$work/seeds.txt") || fail "apq-h5 seeds: no row for $method"
  for s in 2 "$seed"; do
    echo "$row" | grep -qE " $s:[-+]?[0-9.]+( |\$)" || fail "apq-h5 seeds: $method has no figure for seed $s"
  done
done
echo "PASS: report"
