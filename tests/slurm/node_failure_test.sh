#!/usr/bin/env bash
# node_failure_test.sh SOURCE_DIR APQ_ACTORS -- a node fails under a running job, on a real 2-node
# local Slurm cluster (slurm/local-cluster.sh start --nodes 2; one rank per node). While
# collect-fp runs, every process of node 2 (its rank, slurmd, slurmstepd) is
#   1. killed, job launched by srun, requeue on (apq.sh's default): the job must stop with exit
#      code 75 (the surviving rank must not wait for the lost one), requeue itself, and once the
#      node is restored the next attempt completes it in the same run directory;
#   2. killed, job launched by mpirun, --no-requeue: the job must stop with a non-zero exit, and
#      a resubmission of the same command after the node is restored completes it;
#   3. frozen (SIGSTOP: a hung node), srun, --no-requeue: the job must stop, not hang; after the
#      node is thawed a resubmission completes it.
# Every time, the finished dataset holds each item exactly once and nothing written before the
# failure is lost. The times from the fault to the rank's one-line report, to the end of the
# program and to Slurm's final job state are printed (measured, not asserted: the bound below
# only tells a hang from an end). Starts the cluster and stops it at the end. Needs root.
TAG=node-failure-test
source "$(dirname "$0")/lib.sh"

timeout_s=5     # the program's heartbeat timeout in these jobs
hang_bound=180  # seconds after the fault by which the job must have ended, else it hangs
samples=2000
started_here=1
"$cluster" start --nodes 2 || fail "cannot start the 2-node local Slurm cluster (see the messages above)"
make_tmp
export APQ_CONFIG="$src/configs/tiny.ini" APQ_BIN=$bin
export APQ_ARGS="--collect-fp.samples $samples --collect-fp.calib-images 256 --runtime.heartbeat-timeout $timeout_s"
unset APQ_STAGE

rows() {  # items in a dataset file (0 while it does not exist; a read during a write is retried)
  local n
  for _ in 1 2 3 4 5; do
    n=$("$PY" -c "import h5py,sys; print(len(h5py.File(sys.argv[1],'r')['items/id']))" "$1" 2>/dev/null) && { echo "$n"; return; }
    sleep 0.1
  done
  echo 0
}
ids_once() { "$PY" "$src/tests/e2e/check_items_once.py" "$1" "$2"; }  # item ids 0..N-1 each once
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
# wait_for FILE PATTERN COUNT: until FILE has COUNT lines matching PATTERN (grep -E), or the bound
wait_for() {
  local deadline=$(( $(date +%s) + hang_bound ))
  until [ "$(grep -cE -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# break_node NAME ACTION LAUNCHER [sbatch options]: starts the job, breaks node 2 mid-collection
# with ACTION (kill, freeze), and waits for the program to end. Sets job_id, out, run, held.
break_node() {
  local name=$1 action=$2 launcher=$3 t0 ended code
  shift 3
  run="$tmp/$name"
  job_id=$(APQ_LAUNCHER=$launcher APQ_RUN_DIR=$run sbatch --parsable --job-name="apq-$name" --output="$tmp/$name.out" \
    --open-mode=append --time=30:00 -N 2 --ntasks=2 --ntasks-per-node=1 --cpus-per-task=1 "$@" "$script") ||
    fail "$name: sbatch did not submit"
  job_id=${job_id%%;*}
  out="$tmp/$name.out"
  local deadline=$(( $(date +%s) + job_timeout ))
  until [ "$(rows "$run/fp_dataset.h5")" -ge 40 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { scancel "$job_id"; show_output "$out" >&2; fail "$name: collection never started"; }
    grep -q "finished: exit code" "$out" 2>/dev/null && { show_output "$out" >&2; fail "$name: the job ended before the fault"; }
    sleep 0.1
  done
  held=$(rows "$run/fp_dataset.h5")
  [ "$held" -lt "$samples" ] || { show_output "$out" >&2; fail "$name: collection finished before the fault could hit it"; }
  t0=$(date +%s.%N)
  "$cluster" node-fault "$action" "$(sinfo -h -N -o '%N' | sort | tail -n1)" || fail "$name: node-fault $action failed"
  say "$name: node 2 ${action} with $held of $samples items on disk (job $job_id, $launcher)"
  wait_for "$out" "^\[apq\.sh\] job $job_id finished: exit code [1-9]" 1 || { scancel "$job_id"; show_output "$out" >&2; fail "$name: the program did not end within $hang_bound s of the fault"; }
  ended=$(since "$t0")
  code=$(grep -E "^\[apq\.sh\] job $job_id finished: exit code" "$out" | tail -n1 | sed 's/.*exit code \([0-9]*\).*/\1/')
  if grep -qE "rank 1 on node [^ ]+ sent nothing" "$out"; then
    # the surviving rank noticed: it names the lost rank and its node, and exits 75
    expect_line "$out" "completed results are on disk, rerun the same command to resume" "$name: the rank's report"
    [ "$code" = 75 ] || { show_output "$out" >&2; fail "$name: exit code $code after a lost rank, expected 75"; }
    say "$name: the surviving rank reported the lost one; the program ended with exit code 75 after $ended s"
  elif [ "$launcher" = mpirun ] && grep -qF "ORTE has lost communication with a remote daemon" "$out"; then
    # mpirun noticed first (its daemon on the node is gone too) and ended the job with its own code
    [ "$code" = 205 ] || { show_output "$out" >&2; fail "$name: mpirun's exit code $code after a lost daemon, expected 205"; }
    say "$name: mpirun lost its daemon on the node and ended the job with exit code 205 after $ended s"
  else
    show_output "$out" >&2; fail "$name: the job ended (exit code $code) without saying that a rank or node was lost"
  fi
  fault_time=$t0
}

# check_complete NAME: the run's dataset holds every item once, at least the ones held at the fault
check_complete() {
  ids_once "$run/fp_dataset.h5" "$samples" || fail "$1: fp_dataset.h5 is not every item once"
  [ -s "$run/final.h5" ] || fail "$1: no final.h5: the pipeline did not finish"
  ok "$1: all $samples items once (held $held at the fault), pipeline finished"
}

# ---- 1. kill, srun, requeue
break_node kill-requeue kill srun
"$cluster" node-fault restart "$(sinfo -h -N -o '%N' | sort | tail -n1)" || fail "kill-requeue: node did not come back"
expect_line "$out" "[apq.sh] job $job_id finished: exit code 75" "kill-requeue: the lost rank's exit code"
expect_line "$out" "[apq.sh] a rank or node was lost: requeueing" "kill-requeue: the requeue"
say "kill-requeue: node 2 back after $(since "$fault_time") s; waiting for the requeued attempt"
wait_for "$out" "^\[apq\.sh\] job $job_id finished: exit code 0" 1 || { show_output "$out" >&2; fail "kill-requeue: the requeued job did not complete"; }
read -r state exit_code <<<"$(final_state "$job_id")"
[ "$state $exit_code" = "COMPLETED 0:0" ] || { show_output "$out" >&2; fail "kill-requeue: expected COMPLETED 0:0, got $state $exit_code"; }
expect_line "$out" "attempt 2, started" "kill-requeue: second attempt"
say "kill-requeue: completed by the requeue $(since "$fault_time") s after the fault"
check_complete kill-requeue

# resubmitted NAME LAUNCHER: the job that broke_node ended must not be COMPLETED; once node 2 is
# back, the same command resubmitted completes the run.
resubmitted() {
  local name=$1 launcher=$2
  read -r state exit_code <<<"$(final_state "$job_id")"
  say "$name: job $job_id $state ExitCode=$exit_code $(since "$fault_time") s after the fault"
  [ "$state" != COMPLETED ] || fail "$name: a job that lost a node must not end COMPLETED"
  "$cluster" node-fault restart "$(sinfo -h -N -o '%N' | sort | tail -n1)" || fail "$name: node did not come back"
  APQ_LAUNCHER=$launcher APQ_RUN_DIR=$run submit "$name-rerun" -N 2 --ntasks=2 --ntasks-per-node=1 --cpus-per-task=1
  [ "$state $exit_code $wait_rc" = "COMPLETED 0:0 0" ] || { show_output "$out" >&2; fail "$name: the resubmission did not complete"; }
  check_complete "$name"
}

# ---- 2. kill, mpirun, no requeue, resubmitted
break_node kill-mpirun kill mpirun --no-requeue
resubmitted kill-mpirun mpirun

# ---- 3. freeze (hung node), srun, no requeue, resubmitted after a thaw
break_node freeze-srun freeze srun --no-requeue
resubmitted freeze-srun srun
say "all node-failure checks passed"
