#!/usr/bin/env bash
# batch_test.sh SOURCE_DIR APQ_ACTORS -- end-to-end test of slurm/apq.sh on a real local Slurm cluster:
# starts slurm/local-cluster.sh (and stops it again, also on failure, unless it was already running),
# then submits four jobs and checks their exit state, output and run directory:
#   1. tiny config, 2 tasks, srun (the default launcher)  -> COMPLETED 0, rank lines, closing line
#   2. tiny config, 2 tasks, mpirun, default run dir and program, requeued once while it runs
#                                                        -> both attempts in one run dir, COMPLETED 0
#   3. a config the program rejects                       -> FAILED, non-zero exit
#   4. a config file that does not exist                  -> FAILED, non-zero exit
# Needs root (it starts system daemons). Any problem, including a cluster that cannot start, FAILS.
TAG=slurm-test
source "$(dirname "$0")/lib.sh"

if "$cluster" status >/dev/null 2>&1; then
  say "local cluster already running: using it, leaving it running"
else
  started_here=1
  "$cluster" start || fail "cannot start the local Slurm cluster (see the messages above)"
fi
sinfo -h -o '%T' | grep -qE '^(idle|mixed)$' || fail "the node is not ready to run jobs: $(sinfo -h -o '%T %E')"
make_tmp

# The program's closing output: its last line (after the per-rank lines) is a status line of its own.
expect_closing_line() {
  local last
  last=$(grep -vE '^(\[apq\.sh\]|\[rank |srun:|slurmstepd)' "$1" | grep -v '^[[:space:]]*$' | tail -n1)
  [[ $last == apq-actors:* ]] || { show_output "$1" >&2; fail "$2: the program's closing line is missing (last line: '$last')"; }
}
# check_successful_run NAME FILE RUNDIR LAUNCHER
check_successful_run() {
  local name=$1 file=$2 dir=$3 launcher=$4
  expect_line "$file" "[apq.sh] job $job_id " "$name: header"
  expect_line "$file" "[apq.sh] ranks: 2, threads per rank: 1, launcher: $launcher" "$name: header"
  expect_line "$file" "[apq.sh] run dir: $dir " "$name: header"
  expect_line "$file" "[apq.sh] command: " "$name: header"
  expect_line "$file" "[rank 0/2]" "$name: rank 0 log line"
  expect_line "$file" "[rank 1/2]" "$name: rank 1 log line"
  [ "$(grep -c '^\[rank [01]/2\] .* threads=1 ' "$file")" -ge 2 ] || fail "$name: ranks did not get 1 thread each"
  expect_line "$file" "apq-actors: config $src/configs/tiny.ini" "$name: the program's opening line"
  expect_closing_line "$file" "$name"
  expect_line "$file" "[apq.sh] job $job_id finished: exit code 0" "$name: footer"
  [ -d "$dir" ] || fail "$name: run directory $dir missing"
  grep -q "job $job_id attempt [0-9]* end: exit code 0" "$dir/slurm-jobs.log" || fail "$name: no end record in $dir/slurm-jobs.log"
}

# expect_failed WHAT: the last job ended FAILED, with a non-zero exit code, and sbatch --wait said so
expect_failed() {
  if [ "$state" != FAILED ] || [ "${exit_code%%:*}" = 0 ] || [ "$wait_rc" = 0 ]; then
    show_output "$out" >&2; fail "$1: expected FAILED with a non-zero exit code"
  fi
}

export APQ_CONFIG="$src/configs/tiny.ini"
unset APQ_STAGE APQ_ARGS APQ_LAUNCHER APQ_RUN_DIR APQ_BIN

# ---- 1. tiny config over srun, given program and run dir
APQ_BIN=$bin APQ_RUN_DIR="$tmp/run-srun" submit srun --ntasks=2 --cpus-per-task=1
[ "$state $exit_code $wait_rc" = "COMPLETED 0:0 0" ] || { show_output "$out" >&2; fail "srun: expected COMPLETED 0:0, rc 0"; }
check_successful_run srun "$out" "$tmp/run-srun" srun
ok "srun job $job_id COMPLETED; rank lines, closing line and run dir present"
show_output "$out"

# ---- 2. requeue: mpirun, default run dir (runs/slurm-<id>) and default program (<submit dir>/build/apq-actors)
mkdir -p "$tmp/build" && ln -s "$bin" "$tmp/build/apq-actors"
job_id=$(APQ_LAUNCHER=mpirun sbatch --parsable --job-name=apq-requeue --output="$tmp/requeue-%j.out" \
  --time=30:00 --ntasks=2 --cpus-per-task=1 "$script") || fail "requeue: sbatch did not submit"
job_id=${job_id%%;*}
out="$tmp/requeue-$job_id.out"
deadline=$(( $(date +%s) + job_timeout ))
until grep -qF '[rank 1/2]' "$out" 2>/dev/null || grep -qF '[rank 0/2]' "$out" 2>/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || { scancel "$job_id"; fail "requeue: job $job_id never started its ranks"; }
  sleep 0.1
done
# a running job, or one that finished a moment ago: both go back to the queue
scontrol requeue "$job_id" || fail "requeue: scontrol requeue $job_id refused"
say "requeue: job $job_id requeued after its ranks started"
until [ "$(grep -c "^\[apq.sh\] job $job_id finished" "$out")" -ge 2 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { scancel "$job_id"; show_output "$out" >&2; fail "requeue: second attempt did not finish"; }
  sleep 0.25
done
read -r state exit_code <<<"$(final_state "$job_id")"
say "requeue: job $job_id $state ExitCode=$exit_code"
[ "$state $exit_code" = "COMPLETED 0:0" ] || { show_output "$out" >&2; fail "requeue: expected COMPLETED 0:0 after the requeue"; }
run_dir="$tmp/runs/slurm-$job_id"
expect_line "$out" "attempt 2, started" "requeue: second attempt"
expect_line "$out" "[apq.sh] run dir: $run_dir (exists: the program resumes from it)" "requeue: same run dir"
[ "$(grep -c "^\[apq.sh\] run dir: $run_dir " "$out")" = 2 ] || fail "requeue: the two attempts did not use one run dir"
[ "$(grep -c "job $job_id attempt [12] start" "$run_dir/slurm-jobs.log")" = 2 ] || fail "requeue: $run_dir/slurm-jobs.log lacks two starts"
# the output of the last attempt alone must be a complete, successful run
sed -n '/attempt 2, started/,$p' "$out" >"$tmp/requeue-attempt2.out"
check_successful_run requeue "$tmp/requeue-attempt2.out" "$run_dir" mpirun
ok "requeued job $job_id ran twice in $run_dir and COMPLETED"
show_output "$out"

# ---- 3. a config the program rejects: the job fails with the program's exit code
printf '[space]\nno-such-key = 1\n' >"$tmp/bad.ini"
APQ_CONFIG="$tmp/bad.ini" APQ_BIN=$bin APQ_RUN_DIR="$tmp/run-bad" submit bad-config --ntasks=2
expect_failed "bad config"
expect_line "$out" "apq-actors: error: " "bad config: the program's error line"
ok "bad config: job $job_id FAILED with exit code $exit_code"
show_output "$out"

# ---- 4. a config file that does not exist: apq.sh refuses before starting any rank
APQ_CONFIG="$tmp/missing.ini" APQ_BIN=$bin submit missing-config --ntasks=2
expect_failed "missing config"
expect_line "$out" "[apq.sh] error: APQ_CONFIG=$tmp/missing.ini: no such readable file" "missing config: error line"
ok "missing config: job $job_id FAILED with exit code $exit_code"
show_output "$out"

say "all Slurm checks passed"
