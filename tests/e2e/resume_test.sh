#!/usr/bin/env bash
# A run killed with SIGKILL in the middle of dataset collection, then restarted with the same
# command, completes with every dataset item exactly once.
source "$(dirname "$0")/lib.sh"
samples=2000
args=(--collect-fp.samples "$samples" --collect-fp.calib-images 256)

start_collecting 30 "${args[@]}"
kill -9 -- -"$group"
wait "$group" 2>/dev/null || true
before=$(dataset_rows "$work/run/fp_dataset.h5")
echo "killed with $before of $samples items on disk"
[ "$before" -lt "$samples" ] || fail "the run was not killed in the middle of collection"

run_apq 2 "$work/run" "${args[@]}" > "$work/second.log" 2>&1 || { cat "$work/second.log"; fail "the restarted run failed"; }
grep -q "train: .* is complete" "$work/second.log" || fail "the restart did not reuse the finished supernet"
grep -q "collect-fp: [0-9]* of $samples items already on disk" "$work/second.log" || fail "the restart did not skip the items on disk"
check_items_once "$work/run/fp_dataset.h5" "$samples" || fail "items are not each on disk exactly once"
grep -q "apq-actors: done" "$work/second.log" || fail "the restarted run did not finish"
echo "e2e resume: ok ($before items before the kill, all $samples once after the restart)"
