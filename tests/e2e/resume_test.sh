#!/usr/bin/env bash
# A run killed with SIGKILL in the middle of dataset collection, then restarted with the same
# command, completes with every dataset item exactly once.
source "$(dirname "$0")/lib.sh"
samples=2000
args=(--collect-fp.samples "$samples" --collect-fp.calib-images 256)
rows() { "$PY" -c "import h5py,sys; print(len(h5py.File(sys.argv[1],'r')['items/id']))" "$1" 2>/dev/null || echo 0; }

setsid bash -c "exec $MPIEXEC --bind-to none --oversubscribe -np 2 $APQ_BIN --config $TINY --run-dir $work/run ${args[*]}" \
  > "$work/first.log" 2>&1 &
group=$!
deadline=$((SECONDS + 600))
while [ "$(rows "$work/run/fp_dataset.h5")" -lt 30 ]; do
  [ $SECONDS -lt $deadline ] || { kill -9 -- -"$group" 2>/dev/null; cat "$work/first.log"; fail "collection did not start in time"; }
  kill -0 "$group" 2>/dev/null || { cat "$work/first.log"; fail "the first run ended before it could be killed"; }
  sleep 0.2
done
kill -9 -- -"$group"
wait "$group" 2>/dev/null || true
before=$(rows "$work/run/fp_dataset.h5")
echo "killed with $before of $samples items on disk"
[ "$before" -lt "$samples" ] || fail "the run was not killed in the middle of collection"

run_apq 2 "$work/run" "${args[@]}" > "$work/second.log" 2>&1 || { cat "$work/second.log"; fail "the restarted run failed"; }
grep -q "train: .* is complete" "$work/second.log" || fail "the restart did not reuse the finished supernet"
grep -q "collect-fp: [0-9]* of $samples items already on disk" "$work/second.log" || fail "the restart did not skip the items on disk"
"$PY" - "$work/run/fp_dataset.h5" "$samples" <<'PYEOF' || fail "items are not each on disk exactly once"
import sys, h5py
ids = sorted(h5py.File(sys.argv[1], "r")["items/id"][:].tolist())
n = int(sys.argv[2])
if ids != list(range(n)):
    dup = len(ids) - len(set(ids))
    sys.exit(f"{len(ids)} rows, {dup} duplicated, {n - len(set(ids))} missing")
PYEOF
grep -q "apq-actors: done" "$work/second.log" || fail "the restarted run did not finish"
echo "e2e resume: ok ($before items before the kill, all $samples once after the restart)"
