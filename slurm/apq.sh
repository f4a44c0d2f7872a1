#!/usr/bin/env bash
# apq.sh -- run apq-actors as a Slurm batch job:  sbatch [sbatch options] slurm/apq.sh
# Every #SBATCH default below can be overridden by the same sbatch flag (e.g. --ntasks=8
# --cpus-per-task=4 --time=12:00:00). The run is chosen with environment variables (sbatch passes
# the submitting shell's environment to the job):
#   APQ_CONFIG    config file (default: none, the program's embedded quick config)
#   APQ_RUN_DIR   run directory (default: runs/slurm-$SLURM_JOB_ID under the submit directory)
#   APQ_STAGE     stage to run (default: all)
#   APQ_BIN       the program (default: build/apq-actors of the submit directory, then of the
#                 checkout holding this script, then apq-actors on PATH)
#   APQ_ARGS      extra apq-actors options, split at whitespace (e.g. "--seed 3")
#   APQ_LAUNCHER  auto (default: srun --mpi=pmix if Slurm has PMIx, else mpirun), srun or mpirun
#   APQ_MAX_ATTEMPTS  attempts in all when a rank or node is lost and the job requeues itself (3)
# Relative paths are taken from the submit directory. Requeue-safe: a requeued job keeps its job id,
# hence its run directory, and the program resumes from what is on disk. See docs/SLURM.md.
#SBATCH --job-name=apq
#SBATCH --ntasks=2
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
#SBATCH --output=slurm-apq-%j.out
#SBATCH --open-mode=append
#SBATCH --requeue
set -uo pipefail

say() { echo "[apq.sh] $*"; }
# fail MESSAGE: a setup error (exit 2, like the program's own usage errors)
fail() { echo "[apq.sh] error: $*" >&2; exit 2; }

[ -n "${SLURM_JOB_ID:-}" ] || fail "not inside a Slurm job: submit it with 'sbatch slurm/apq.sh'"
submit_dir=${SLURM_SUBMIT_DIR:-$PWD}
attempt=$(( ${SLURM_RESTART_COUNT:-0} + 1 ))
say "job $SLURM_JOB_ID (${SLURM_JOB_NAME:-apq}) attempt $attempt, started $(date -u +%FT%TZ)"
from_submit_dir() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$submit_dir/$1" ;; esac; }

# Slurm runs a copy of this script from its spool directory; the original path is the job's Command.
script_path=$(scontrol -o show job "$SLURM_JOB_ID" 2>/dev/null | grep -o 'Command=[^ ]*' | cut -d= -f2- || true)
[ -n "$script_path" ] || script_path=${BASH_SOURCE[0]}

find_program() {
  local candidate
  if [ -n "${APQ_BIN:-}" ]; then
    case $APQ_BIN in
      */*) candidate=$(from_submit_dir "$APQ_BIN") ;;
      *) candidate=$(command -v "$APQ_BIN" || true) ;;
    esac
    { [ -n "$candidate" ] && [ -x "$candidate" ]; } || fail "APQ_BIN=$APQ_BIN is not an executable program"
    printf '%s\n' "$candidate"; return
  fi
  for candidate in "$submit_dir/build/apq-actors" "$(dirname "$script_path")/../build/apq-actors"; do
    [ -x "$candidate" ] && { printf '%s\n' "$candidate"; return; }
  done
  candidate=$(command -v apq-actors || true)
  [ -n "$candidate" ] || fail "apq-actors not found in $submit_dir/build/, $(dirname "$script_path")/../build/ nor on PATH (set APQ_BIN)"
  printf '%s\n' "$candidate"
}
program=$(find_program) || exit 2

config_args=()
if [ -n "${APQ_CONFIG:-}" ]; then
  config=$(from_submit_dir "$APQ_CONFIG")
  { [ -f "$config" ] && [ -r "$config" ]; } || fail "APQ_CONFIG=$APQ_CONFIG: no such readable file"
  config_args=(--config "$config")
fi
# SLURM_JOB_ID survives a requeue, so a requeued job finds its own run directory again.
run_dir=$(from_submit_dir "${APQ_RUN_DIR:-runs/slurm-$SLURM_JOB_ID}")
stage=${APQ_STAGE:-all}
threads=${SLURM_CPUS_PER_TASK:-1}
read -r -a extra_args <<<"${APQ_ARGS:-}"
for arg in "${extra_args[@]}"; do   # the program refuses an option given twice: say which variable to use
  case $arg in
    --config|--config=*) fail "APQ_ARGS must not set --config: use APQ_CONFIG" ;;
    --run-dir|--run-dir=*) fail "APQ_ARGS must not set --run-dir: use APQ_RUN_DIR" ;;
    --stage|--stage=*) fail "APQ_ARGS must not set --stage: use APQ_STAGE" ;;
    --threads|--threads=*) fail "APQ_ARGS must not set --threads: it comes from --cpus-per-task" ;;
  esac
done
run_args=("${config_args[@]}" --run-dir "$run_dir" --stage "$stage" --threads "$threads" "${extra_args[@]}")

launcher=${APQ_LAUNCHER:-auto}
if [ "$launcher" = auto ]; then
  launcher=mpirun
  srun --mpi=list 2>&1 | grep -qw pmix && launcher=srun
fi
export OMP_NUM_THREADS=$threads
if [ "$(id -u)" -eq 0 ]; then   # Open MPI refuses root unless told twice
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
case $launcher in
  # Slurm 22.05's srun no longer reads SLURM_CPUS_PER_TASK: pass it, so each rank gets its cores.
  srun) command=(srun --mpi=pmix --cpus-per-task="$threads" --kill-on-bad-exit=1 "$program" "${run_args[@]}") ;;
  # mpirun takes the ranks from the allocation; it would bind each rank to one core otherwise.
  mpirun) command=(mpirun ${SLURM_NTASKS:+-np "$SLURM_NTASKS"} --bind-to none -x OMP_NUM_THREADS "$program" "${run_args[@]}") ;;
  *) fail "APQ_LAUNCHER=$launcher: expected auto, srun or mpirun" ;;
esac

run_dir_state="new"
[ -d "$run_dir" ] && run_dir_state="exists: the program resumes from it"
mkdir -p "$run_dir" || fail "cannot create run directory $run_dir"
say "nodes: ${SLURM_JOB_NUM_NODES:-1} (${SLURM_JOB_NODELIST:-$(hostname -s)})"
say "ranks: ${SLURM_NTASKS:-from allocation}, threads per rank: $threads, launcher: $launcher"
say "run dir: $run_dir ($run_dir_state)"
say "command: $(printf '%q ' "${command[@]}")"
echo "$(date -u +%FT%TZ) job $SLURM_JOB_ID attempt $attempt start: $(printf '%q ' "${command[@]}")" \
  >>"$run_dir/slurm-jobs.log"

# Run in the background so a SIGTERM (scancel, requeue, time limit) reaches the trap and the ranks.
start=$(date +%s)
"${command[@]}" &
child=$!
trap 'say "signal received: stopping the ranks"; kill -TERM "$child" 2>/dev/null' TERM INT
wait "$child"
rc=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done   # wait again after a trapped signal
trap - TERM INT

echo "$(date -u +%FT%TZ) job $SLURM_JOB_ID attempt $attempt end: exit code $rc" >>"$run_dir/slurm-jobs.log"
say "job $SLURM_JOB_ID finished: exit code $rc after $(( $(date +%s) - start )) s"

# A lost rank or node (the program's exit code 75; 205 is mpirun's when it loses a node's daemon)
# is nothing wrong with the run. Slurm requeues a job by itself only once it has declared the node
# DOWN, and the program stops the job sooner than that: a job that may be requeued requeues itself
# here (at most APQ_MAX_ATTEMPTS attempts in all), and the next attempt resumes from the run dir.
case $rc in
  75 | 205)
    requeue=$(scontrol -o show job "$SLURM_JOB_ID" 2>/dev/null | grep -o ' Requeue=[0-9]*' | cut -d= -f2)
    max_attempts=${APQ_MAX_ATTEMPTS:-3}
    if [ "$requeue" = 1 ] && [ "$attempt" -lt "$max_attempts" ]; then
      say "a rank or node was lost: requeueing (attempt $attempt of at most $max_attempts); the next attempt resumes from $run_dir"
      echo "$(date -u +%FT%TZ) job $SLURM_JOB_ID attempt $attempt: requeued after a lost rank or node" >>"$run_dir/slurm-jobs.log"
      scontrol requeue "$SLURM_JOB_ID" || say "scontrol requeue failed: resubmit the same command to resume"
    else
      say "a rank or node was lost: resubmit the same command to resume from $run_dir" \
          "(not requeued: $([ "$requeue" = 1 ] && echo "attempt $attempt of at most $max_attempts" || echo "the job was submitted with --no-requeue"))"
    fi ;;
esac
exit "$rc"
