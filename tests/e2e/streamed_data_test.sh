#!/usr/bin/env bash
# Streamed image sets (data.stream, docs/DATA.md):
# 1. the whole tiny pipeline on an HDF5 copy of Fashion-MNIST gives identical results (supernet
#    included) with the images streamed from disk and held in memory;
# 2. a generated set of ~1 GB trains with a peak resident memory per rank under a limit of
#    320 MB, a third of the set, where holding it in memory would take several GB; the dry run
#    reports the streamed memory per rank.
source "$(dirname "$0")/lib.sh"
"$PY" "$APQ_SOURCE_DIR/tests/e2e/make_image_sets.py" "$work/fashion" fashion 3000 500
data=(--data.format hdf5 --data.dir "$work/fashion" --data.train-size 2400 --data.val-size 600 --threads 1)
run_apq 2 "$work/memory" "${data[@]}" > "$work/memory.log" 2>&1 || { cat "$work/memory.log"; fail "the in-memory run failed"; }
run_apq 2 "$work/streamed" "${data[@]}" --data.stream true > "$work/streamed.log" 2>&1 ||
  { cat "$work/streamed.log"; fail "the streamed run failed"; }
"$PY" "$APQ_SOURCE_DIR/tests/e2e/compare_runs.py" "$work/memory" "$work/streamed" --supernet ||
  fail "streamed and in-memory results differ"

# 1.3 M random 28 x 28 images: 1.02 GB on disk.
"$PY" "$APQ_SOURCE_DIR/tests/e2e/make_image_sets.py" "$work/big" random 1300000 1000
big=(--data.format hdf5 --data.dir "$work/big" --data.train-size 1290000 --data.val-size 8000
     --data.subset-train 0 --data.subset-val 500 --data.stream true --threads 1)
limit_kb=$((320 * 1024))
set_kb=$(( $(stat -c %s "$work/big/train.h5") / 1024 ))
[ "$set_kb" -gt $((3 * limit_kb)) ] || fail "the generated set ($set_kb KB) is not several times the limit"
"$APQ_BIN" --dry-run --config "$TINY" --run-dir "$work/big-run" "${big[@]}" | grep "memory per rank" | tee "$work/dry.txt"
grep -q "B streamed" "$work/dry.txt" || fail "the dry run does not report streamed data memory"
# Peak resident memory of the largest process of the job (the ranks are mpirun's children).
peak_kb=$("$PY" - "$MPIEXEC" "$APQ_BIN" "$TINY" "$work/big-run" "${big[@]}" <<'PYEOF'
import resource, subprocess, sys
mpiexec, binary, config, run_dir, *rest = sys.argv[1:]
cmd = [mpiexec, "--bind-to", "none", "--oversubscribe", "-np", "2", binary, "--config", config,
       "--run-dir", run_dir, "--stage", "train", *rest]
done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
sys.stderr.write(done.stdout[-2000:])
if done.returncode != 0:
    sys.exit(f"training on the streamed set failed ({done.returncode})")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PYEOF
) || fail "training on the streamed set failed"
echo "set $set_kb KB, peak resident memory of a rank $peak_kb KB, limit $limit_kb KB"
[ "$peak_kb" -lt "$limit_kb" ] || fail "a rank's peak memory ($peak_kb KB) exceeds the limit ($limit_kb KB)"
echo "e2e streamed data: ok"
