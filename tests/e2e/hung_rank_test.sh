#!/usr/bin/env bash
# A rank stopped with SIGSTOP in the middle of dataset collection (a hung node, an NFS stall) must
# not hang the job: it stops, non-zero, with one line naming the rank and its node, once the
# heartbeat timeout has passed; rerunning the same command completes with every item once.
source "$(dirname "$0")/lib.sh"
samples=2000
timeout=4
args=(--collect-fp.samples "$samples" --collect-fp.calib-images 256 --runtime.heartbeat-timeout "$timeout"
      --runtime.heartbeat-seconds 0.5)

start_collecting 30 "${args[@]}"
rank1=""
for pid in $(pgrep -s "$group"); do
  if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1"; then rank1=$pid; fi
done
[ -n "$rank1" ] || { kill -9 -- -"$group"; fail "rank 1's process not found"; }
kill -STOP "$rank1"
stopped_at=$SECONDS
# A liveness bound, not a speed limit: without heartbeats the job would wait here forever.
while kill -0 "$group" 2>/dev/null; do
  if [ $((SECONDS - stopped_at)) -gt 120 ]; then
    kill -CONT "$rank1" 2>/dev/null; kill -9 -- -"$group" 2>/dev/null
    cat "$work/first.log"; fail "the job still waits 120 s after rank 1 was stopped"
  fi
  sleep 0.2
done
status=0
wait "$group" || status=$?
kill -9 "$rank1" 2>/dev/null || true
[ "$status" -ne 0 ] || { cat "$work/first.log"; fail "the job exited 0 with a stopped rank"; }
grep -qE "rank 1 on node [^ ]+ sent nothing for [0-9.]+ s \(stopped, hung or lost; heartbeat timeout $timeout s\)" \
  "$work/first.log" || { cat "$work/first.log"; fail "no line naming the stopped rank and its node"; }
before=$(dataset_rows "$work/run/fp_dataset.h5")
echo "stopped rank 1 with $before of $samples items on disk; the job ended $((SECONDS - stopped_at)) s later (timeout $timeout s)"

run_apq 2 "$work/run" "${args[@]}" > "$work/second.log" 2>&1 || { cat "$work/second.log"; fail "the rerun failed"; }
check_items_once "$work/run/fp_dataset.h5" "$samples" || fail "items are not each on disk exactly once"
grep -q "apq-actors: done" "$work/second.log" || fail "the rerun did not finish"
echo "e2e hung rank: ok"
