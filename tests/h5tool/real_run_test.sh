#!/usr/bin/env bash
# apq-h5 on the files of a real tiny run: runs `apq-actors --config CONFIG` into a scratch run
# directory, then every apq-h5 subcommand on it, h5py and h5dump on every file.
#   real_run_test.sh APQ_ACTORS APQ_H5 CONFIG       (CTest, label e2e)
#   real_run_test.sh --run-dir DIR APQ_H5           (check an existing run directory)
# Set APQ_KEEP=DIR to keep the run directory and the plots there.
set -euo pipefail
fail() { echo "real_run_test: FAIL: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$1" = "--run-dir" ]; then
  run=$2; h5=$3
else
  apq=$1; h5=$2; config=$3
  run=${APQ_KEEP:-$work}/run
  rm -rf "$run"
  start=$(date +%s)
  "$apq" --config "$config" --run-dir "$run" >"$work/run.log" 2>&1 || { tail -30 "$work/run.log"; fail "apq-actors failed"; }
  echo "tiny run: $(( $(date +%s) - start )) s"
fi
out=${APQ_KEEP:-$work}

for f in supernet fp_dataset quant_dataset predictors search final; do
  [ -f "$run/$f.h5" ] || fail "$run/$f.h5 missing"
done

"$h5" summary "$run" >"$work/summary.txt" || fail "summary exit $?"
cat "$work/summary.txt"
for kind in supernet fp-dataset quant-dataset predictors search final; do
  grep -q ": $kind (schema version 1)" "$work/summary.txt" || fail "summary lacks $kind"
done
grep -q "different runs" "$work/summary.txt" && fail "summary sees files of different runs"

# The item count summary reports is what export writes.
for file in fp_dataset quant_dataset; do
  items=$(awk -v f="$file.h5:" '$1 == f {on = 1} on && $1 == "items" {print $2; exit}' "$work/summary.txt")
  "$h5" export "$run" --table "$file:items" -o "$work/$file.csv" || fail "export $file exit $?"
  rows=$(( $(wc -l <"$work/$file.csv") - 1 ))
  [ "$items" = "$rows" ] || fail "$file: summary says $items items, export wrote $rows rows"
  [ "$rows" -gt 0 ] || fail "$file: no items"
  head -1 "$work/$file.csv" | grep -q '^id,arch,arch_code\[0\]' || fail "$file.csv header: $(head -1 "$work/$file.csv")"
done
"$h5" export "$run/search.h5" --table joint/history -o "$work/history.csv" || fail "export joint/history exit $?"
head -1 "$work/history.csv" | grep -qx 'generation,island,best_fitness,mean_fitness,evaluated' || fail "joint/history header"

for x in latency energy bitops; do
  "$h5" pareto "$run" --x "$x" >"$work/pareto_$x.txt" || fail "pareto --x $x exit $?"
  grep -q "^Pareto front of quant_dataset.h5" "$work/pareto_$x.txt" || fail "pareto --x $x: $(head -2 "$work/pareto_$x.txt")"
done
cat "$work/pareto_latency.txt"
for source in search final; do
  "$h5" pareto "$run" --source "$source" >"$work/pareto_$source.txt" || fail "pareto --source $source exit $?"
done
"$h5" predictor "$run" >"$work/predictor.txt" || fail "predictor exit $?"
cat "$work/predictor.txt"
for p in fp quant quant_scratch; do grep -q "^$p " "$work/predictor.txt" || fail "predictor lacks $p"; done

"$h5" plot "$run" -o "$out/pareto.svg" || fail "plot exit $?"
"$h5" plot "$run" --kind predictor -o "$out/predictor.svg" || fail "plot --kind predictor exit $?"

if /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
  /usr/bin/python3 - "$run" "$out/pareto.svg" "$out/predictor.svg" <<'PY' || fail "h5py/xml check"
import sys, glob, h5py, xml.etree.ElementTree as ET
run = sys.argv[1]
for path in sorted(glob.glob(run + '/*.h5')):
    with h5py.File(path, 'r') as f:
        assert f.attrs['schema'].startswith('apq-actors/'), path
        f.visit(lambda name: None)
for svg in sys.argv[2:]:
    ET.parse(svg)
PY
fi
for f in "$run"/*.h5; do h5dump -H "$f" >/dev/null || fail "h5dump -H $f"; done
echo "real_run_test: OK"
