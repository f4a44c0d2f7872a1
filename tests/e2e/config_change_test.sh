#!/usr/bin/env bash
# A run directory is a cache keyed by its config, with any number of search scenarios side by
# side (pipeline/scenario.hpp). On a finished run: a new budget is a new scenario that runs only the
# search and finalize, in its own folder, leaving the first scenario's files untouched; rerunning
# either config then redoes nothing; finalize alone for a scenario never searched is refused;
# apq-h5 summary lists both; an earlier version's results (plain files at the top) are adopted.
# A changed space, collection or final fine-tune setting is refused before any work with one line
# naming the key, and no file changes; a changed predictor setting retrains the predictors.
source "$(dirname "$0")/lib.sh"
run_apq 2 "$work/run" > "$work/run.log" 2>&1 || { cat "$work/run.log"; fail "the run failed"; }
first=$(readlink "$work/run/search.h5")
first=${first%/search.h5}
[[ $first == scenarios/unconstrained-* ]] || fail "search.h5 links to '$first', not to an unconstrained scenario"
sums() { (cd "$work/run" && md5sum supernet.h5 fp_dataset.h5 quant_dataset.h5 "$first/search.h5" "$first/final.h5" "$first"/models/*); }
before=$(sums)
expect_refused() {  # expect_refused KEY-TEXT options...
  local want=$1
  shift
  if run_apq 2 "$work/run" "$@" > "$work/refused.log" 2>&1; then cat "$work/refused.log"; fail "$* was not refused"; fi
  grep -qF "$want" "$work/refused.log" || { cat "$work/refused.log"; fail "no line naming '$want' for $*"; }
  grep -q "^train:\|^collect\|^search:\|^finalize:" "$work/refused.log" && { cat "$work/refused.log"; fail "work started before refusing $*"; }
  [ "$(sums)" = "$before" ] || fail "files changed after refusing $*"
}
expect_refused "was made with another config ([space] kernels: 3 in this run, 3,5 in the file" --stage search --space.kernels 3
expect_refused "was made with another config ([collect-fp] eval-images: 64 in this run, 128 in the file" --stage collect-fp --collect-fp.eval-images 64
expect_refused "was made with another config ([finalize] finetune-steps" --finalize.finetune-steps 4
expect_refused "has no search results: run the search stage for it first" --stage finalize --search.latency-ms 0.021
expect_refused "supernet.h5: was made with another config ([train] weight-decay: 0.5 in this run" --stage train --train.weight-decay 0.5

# A new budget: a second scenario, search and finalize only.
run_apq 2 "$work/run" --search.latency-ms 0.02 > "$work/second.log" 2>&1 || { cat "$work/second.log"; fail "the new budget failed"; }
for stage in "train: .* skipping" "collect-fp: .* skipping" "collect-quant: .* skipping" "predictor: .* skipping"; do
  grep -q "^$stage" "$work/second.log" || { cat "$work/second.log"; fail "a new budget redid work upstream of the search ($stage)"; }
done
second=$(readlink "$work/run/search.h5")
second=${second%/search.h5}
[[ $second == scenarios/latency0.02ms-* ]] || fail "after a new budget search.h5 links to '$second'"
[ "$(sums)" = "$before" ] || fail "the new budget changed the first scenario's or the shared files"
"$PY" - "$work/run/$second" <<'PYEOF' || fail "the second scenario's results"
import sys, h5py
with h5py.File(f"{sys.argv[1]}/final.h5", "r") as f:
    report = f["report"]
    latency = [l for l, m in zip(report["latency_ms"][:], report["method"][:]) if m.decode() != "uniform8"]
    assert latency and max(latency) <= 0.02 + 1e-12, f"latencies {latency} over the 0.02 ms budget"
    config = f.attrs["config"]
    assert "latency-ms = 0.02" in (config.decode() if isinstance(config, bytes) else config), "final.h5 records another budget"
PYEOF

# Each config finds its own scenario again and redoes nothing.
for options in "" "--search.latency-ms 0.02"; do
  # shellcheck disable=SC2086
  run_apq 2 "$work/run" $options > "$work/same.log" 2>&1 || { cat "$work/same.log"; fail "rerun '$options' failed"; }
  grep -q "joint results are in .*, skipping" "$work/same.log" && grep -q "^finalize: all .* items are on disk, skipping" "$work/same.log" ||
    { cat "$work/same.log"; fail "rerun '$options' redid the search or finalize"; }
done
[ "$(sums)" = "$before" ] || fail "rerunning changed the first scenario's files"
[ "$(ls "$work/run/scenarios" | wc -l)" = 2 ] || fail "expected two scenarios, found: $(ls "$work/run/scenarios")"

"$APQ_H5" summary "$work/run" > "$work/summary.txt" || fail "apq-h5 summary"
# the last rerun above was the second scenario's
grep -q "^  ${second#scenarios/}: searched, finalized (search.h5, final.h5 and models link here)" "$work/summary.txt" &&
  grep -q "^  ${first#scenarios/}: searched, finalized$" "$work/summary.txt" || { cat "$work/summary.txt"; fail "apq-h5 summary does not list both scenarios"; }

# A run directory of an earlier version (plain search.h5, final.h5 and models/ at the top): its
# results move, unchanged, into their scenario's folder, and nothing is redone.
(cd "$work/run" && rm search.h5 final.h5 models && mv "$first"/search.h5 "$first"/final.h5 "$first"/models . && rm -r "$first")
run_apq 2 "$work/run" > "$work/adopt.log" 2>&1 || { cat "$work/adopt.log"; fail "the run of an earlier version's layout failed"; }
grep -q "^scenario: results of an earlier version moved to .*/$first" "$work/adopt.log" &&
  grep -q "joint results are in .*, skipping" "$work/adopt.log" || { cat "$work/adopt.log"; fail "an earlier version's results were not adopted"; }
[ "$(sums)" = "$before" ] || fail "adopting an earlier version's results changed them"

run_apq 2 "$work/run" --stage predictor --predictor.members 2 > "$work/pred.log" 2>&1 || { cat "$work/pred.log"; fail "predictor rerun failed"; }
grep -q "up to date" "$work/pred.log" && { cat "$work/pred.log"; fail "a changed predictor config was served the old predictors"; }
grep -q "fp, 2 members" "$work/pred.log" || { cat "$work/pred.log"; fail "the predictors were not retrained with 2 members"; }
# The retrained predictors serve no later stage of the old config, and the scenarios finalized
# from the old predictors are another experiment: the report leaves them out, naming each.
expect_refused "predictors.h5: was made with another config ([predictor] members: 5 in this run, 2 in the file" --stage search --search.latency-ms 0.03
run_apq 2 "$work/run" --stage report --predictor.members 2 > "$work/report.log" 2>&1 || { cat "$work/report.log"; fail "report after the predictor change failed"; }
[ "$(grep -c "^report: left out scenario .*, finalized from another config (\[predictor\] members: 2 in this run, 5 in the file)" "$work/report.log")" = 2 ] ||
  { cat "$work/report.log"; fail "the report did not leave out both scenarios of the old predictors"; }
grep -q "(0 finalized networks)" "$work/report.log" || { cat "$work/report.log"; fail "the report kept networks of the old predictors"; }
echo "e2e config change and scenarios: ok"
