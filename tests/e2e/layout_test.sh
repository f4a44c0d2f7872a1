#!/usr/bin/env bash
# The whole pipeline on the tiny config under mpirun -np 2 writes every documented file, with
# the documented layout, and apq-h5 reads them.
source "$(dirname "$0")/lib.sh"
run_apq 2 "$work/run" > "$work/log" 2>&1 || { cat "$work/log"; fail "the tiny run failed"; }
grep -q "apq-actors: done" "$work/log" || fail "no closing line"
grep -q "finalize: the found (architecture, policy) pairs" "$work/log" || fail "no final table"
grep -qE "joint \(rank [0-9]+\) vs random: validation [0-9.]+% vs [0-9.]+%" "$work/log" || fail "no joint-vs-random line"
grep -qE "train: validation top-1 of the largest subnet [0-9.]+%, of the smallest [0-9.]+%" "$work/log" ||
  fail "no supernet quality line"
grep -qE "predictor: quant, 3-fold cross-validation on all 20 pairs: Kendall tau [-0-9.]+ \+- [0-9.]+" "$work/log" ||
  fail "no cross-validated predictor line"
"$PY" "$(dirname "$0")/check_layout.py" "$work/run" || fail "layout check"
"$PY" "$(dirname "$0")/check_export.py" "$work/run" /usr/share/datasets/fashion-mnist "$APQ_SOURCE_DIR/docs/HDF5.md" ||
  fail "the exported networks (python3-torch) or the documented examples"
# apq-h5 rebuilds the same TorchScript files from final.h5 alone.
"$APQ_H5" export "$work/run" --models -o "$work/models-h5" > "$work/export" || fail "apq-h5 export --models"
[ "$(ls "$work/models-h5" | wc -l)" = "$(ls "$work/run/models" | wc -l)" ] || fail "apq-h5 export --models: $(cat "$work/export")"
for f in "$work/run/models/"*.pt; do
  cmp -s "$f" "$work/models-h5/${f##*/}" || fail "apq-h5 export --models: ${f##*/} differs from finalize's"
done
"$APQ_H5" summary "$work/run" > "$work/summary" || fail "apq-h5 summary"
grep -q "fp-dataset" "$work/summary" || fail "apq-h5 summary does not list the fp dataset"
echo "e2e layout: ok"
