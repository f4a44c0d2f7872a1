#!/usr/bin/env bash
# A rank stopped with SIGSTOP in the middle of dataset collection (a hung node, an NFS stall) must
# not hang the job: it stops, non-zero, with one line naming the rank and its node, once the
# heartbeat timeout has passed; rerunning the same command completes with every item once.
# Then, with a longer timeout, the items in flight on the stopped rank are finished by backup
# copies on rank 0: the stage completes, every item once, before the job stops.
source "$(dirname "$0")/lib.sh"

# wait_for_end PID_TO_RESUME: waits for the job to end (at most 120 s: a liveness bound, not a
# speed limit) and sets $status.
wait_for_end() {
  while kill -0 "$group" 2>/dev/null; do
    if [ $((SECONDS - stopped_at)) -gt 120 ]; then
      kill -CONT "$1" 2>/dev/null; kill -9 -- -"$group" 2>/dev/null
      cat "$work/first.log"; fail "the job still waits 120 s after rank 1 was stopped"
    fi
    sleep 0.2
  done
  status=0
  wait "$group" || status=$?
  kill -9 "$1" 2>/dev/null || true
}

samples=2000
timeout=4
args=(--collect-fp.samples "$samples" --collect-fp.calib-images 256 --runtime.heartbeat-timeout "$timeout"
      --runtime.heartbeat-seconds 0.5)

start_collecting 30 "${args[@]}"
rank1=$(rank_pid 1)
[ -n "$rank1" ] || { kill -9 -- -"$group"; fail "rank 1's process not found"; }
kill -STOP "$rank1"
stopped_at=$SECONDS
wait_for_end "$rank1"  # without heartbeats the job would wait forever
[ "$status" -eq 75 ] || { cat "$work/first.log"; fail "the job exited $status with a stopped rank, not 75 (a rank was lost; a rerun resumes)"; }
grep -qE "rank 1 on node [^ ]+ sent nothing for [0-9.]+ s \(stopped, hung or lost; heartbeat timeout $timeout s\)" \
  "$work/first.log" || { cat "$work/first.log"; fail "no line naming the stopped rank and its node"; }
before=$(dataset_rows "$work/run/fp_dataset.h5")
echo "stopped rank 1 with $before of $samples items on disk; the job ended $((SECONDS - stopped_at)) s later (timeout $timeout s)"

run_apq 2 "$work/run" "${args[@]}" > "$work/second.log" 2>&1 || { cat "$work/second.log"; fail "the rerun failed"; }
check_items_once "$work/run/fp_dataset.h5" "$samples" || fail "items are not each on disk exactly once"
grep -q "apq-actors: done" "$work/second.log" || fail "the rerun did not finish"

# Backups: timeout 40 s, backups after 1 s; rank 0 finishes the stage alone. (Enough items that
# the stop lands mid-collection on a loaded machine, few enough that rank 0 alone ends well
# within the timeout.)
rm -rf "$work/run"
samples=1200
start_collecting 30 --collect-fp.samples "$samples" --collect-fp.calib-images 256 --runtime.heartbeat-timeout 40 \
  --runtime.heartbeat-seconds 0.5 --runtime.backup-min-seconds 1
rank1=$(rank_pid 1)
[ -n "$rank1" ] || { kill -9 -- -"$group"; fail "rank 1's process not found"; }
kill -STOP "$rank1"
stopped_at=$SECONDS
held=$(dataset_rows "$work/run/fp_dataset.h5")
[ "$held" -lt "$samples" ] || { kill -CONT "$rank1"; kill -9 -- -"$group"; fail "the stop came after collect-fp had ended ($held rows): no backup case"; }
wait_for_end "$rank1"
grep -qE "collect-fp: $samples done, 0 failed, in .*, [0-9]+ backup copies sent for slow items" "$work/first.log" ||
  { cat "$work/first.log"; fail "collect-fp did not complete through backup copies while rank 1 was stopped"; }
check_items_once "$work/run/fp_dataset.h5" "$samples" || fail "with backups, items are not each on disk exactly once"
grep -qE "rank 1 on node [^ ]+ sent nothing" "$work/first.log" || fail "the stopped rank was not reported at the end"
echo "with backups: collect-fp completed all $samples items with rank 1 stopped; the job stopped $((SECONDS - stopped_at)) s after the stop"
echo "e2e hung rank: ok"
