#!/usr/bin/env bash
# A run directory is a cache keyed by its config: on a finished run, a new search budget or a
# changed collection setting is refused before any work with one line naming the key, and no
# file changes; a changed predictor setting retrains the predictors; the same config redoes nothing.
source "$(dirname "$0")/lib.sh"
run_apq 2 "$work/run" > "$work/run.log" 2>&1 || { cat "$work/run.log"; fail "the run failed"; }
sums() { (cd "$work/run" && md5sum fp_dataset.h5 quant_dataset.h5 search.h5 final.h5); }
before=$(sums)
expect_refused() {  # expect_refused KEY-TEXT options...
  local want=$1
  shift
  if run_apq 2 "$work/run" "$@" > "$work/refused.log" 2>&1; then cat "$work/refused.log"; fail "$* was not refused"; fi
  grep -qF "was made with another config ($want" "$work/refused.log" || { cat "$work/refused.log"; fail "no line naming '$want' for $*"; }
  grep -q "^train:\|^collect" "$work/refused.log" && { cat "$work/refused.log"; fail "work started before refusing $*"; }
  [ "$(sums)" = "$before" ] || fail "files changed after refusing $*"
}
expect_refused "[search] latency-ms: 0.5 in this run, 0 in the file" --search.latency-ms 0.5
expect_refused "[cost] table" --stage finalize --cost.table host
expect_refused "[collect-fp] eval-images: 64 in this run, 128 in the file" --stage collect-fp --collect-fp.eval-images 64
expect_refused "[finalize] finetune-steps" --finalize.finetune-steps 4
run_apq 2 "$work/run" --stage predictor --predictor.members 2 > "$work/pred.log" 2>&1 || { cat "$work/pred.log"; fail "predictor rerun failed"; }
grep -q "up to date" "$work/pred.log" && { cat "$work/pred.log"; fail "a changed predictor config was served the old predictors"; }
grep -q "fp, 2 members" "$work/pred.log" || { cat "$work/pred.log"; fail "the predictors were not retrained with 2 members"; }
run_apq 2 "$work/again" > /dev/null 2>&1 || fail "a fresh run failed"
run_apq 2 "$work/again" > "$work/same.log" 2>&1 || { cat "$work/same.log"; fail "the same config was refused"; }
grep -q "up to date\|skipping" "$work/same.log" || { cat "$work/same.log"; fail "the same config redid work"; }
echo "e2e config change: ok"
