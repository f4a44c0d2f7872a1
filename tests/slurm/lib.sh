# Shared by the Slurm tests (sourced): arguments, job submission, final job states, checks.
# The caller sets TAG (message prefix) and, once it started the cluster, started_here=1 so that
# the cluster is stopped again on exit (also on failure). Needs root: the cluster starts daemons.
set -uo pipefail

src=${1:?usage: $0 SOURCE_DIR APQ_ACTORS}
bin=${2:?usage: $0 SOURCE_DIR APQ_ACTORS}
cluster="$src/slurm/local-cluster.sh"
script="$src/slurm/apq.sh"
job_timeout=${APQ_SLURM_TEST_JOB_TIMEOUT:-600}   # seconds per job, generous for a slow CI machine
PY=/usr/bin/python3  # Debian's interpreter, which sees python3-h5py
tmp=""
started_here=0

say() { echo "[$TAG] $*"; }
fail() {
  echo "[$TAG] FAIL: $*" >&2
  [ -n "$tmp" ] && echo "[$TAG] job files kept in $tmp" >&2
  exit 1
}
ok() { echo "[$TAG] ok: $*"; }

cleanup() {
  local rc=$?
  if [ "$started_here" = 1 ]; then
    "$cluster" stop || { echo "[$TAG] FAIL: the local cluster did not stop cleanly" >&2; rc=1; }
  fi
  [ "$rc" = 0 ] && [ -n "$tmp" ] && rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root: slurm/local-cluster.sh starts munged, slurmctld and slurmd"
[ -x "$bin" ] || fail "program $bin not built (ninja apq-actors)"
[ -f "$src/configs/tiny.ini" ] || fail "missing $src/configs/tiny.ini"

# make_tmp: a job directory every node can read ($tmp), entered.
make_tmp() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/apq-$TAG.XXXXXX")
  chmod 755 "$tmp"
  cd "$tmp" || fail "cannot enter $tmp"
}

# final_state JOBID: prints "STATE EXITCODE" once the job has ended. slurmctld forgets a finished job
# after MinJobAge seconds, so its last line in the job completion log is the fallback.
final_state() {
  local id=$1 line state deadline=$(( $(date +%s) + job_timeout ))
  local jobcomp
  jobcomp=$(scontrol show config | awk '$1 == "JobCompLoc" {print $3}')
  while [ "$(date +%s)" -lt "$deadline" ]; do
    line=$(scontrol -o show job "$id" 2>/dev/null || true)
    if [ -z "$line" ] && [ -r "$jobcomp" ]; then line=$(grep "^JobId=$id " "$jobcomp" | tail -n1); fi
    state=$(grep -o 'JobState=[A-Z_]*' <<<"$line" | cut -d= -f2)
    case $state in
      ''|PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED|REQUEUED|RESIZING|SIGNALING|STAGE_OUT) sleep 0.25 ;;
      *) echo "$state $(grep -o ' ExitCode=[0-9]*:[0-9]*' <<<"$line" | cut -d= -f2)"; return 0 ;;
    esac
  done
  echo "TIMEOUT ?"
}

# submit NAME [sbatch options]: sbatch --wait in $tmp, output to NAME-<id>.out;
# sets job_id, wait_rc, out, state (COMPLETED, FAILED, ...) and exit_code (like 0:0)
submit() {
  local name=$1 reply; shift
  reply=$(timeout "$job_timeout" sbatch --wait --parsable --job-name="apq-$name" --output="$tmp/$name-%j.out" \
    --time=30:00 "$@" "$script")
  wait_rc=$?
  job_id=${reply%%;*}
  [[ $job_id =~ ^[0-9]+$ ]] || fail "$name: sbatch did not submit (rc $wait_rc, reply '$reply')"
  [ "$wait_rc" = 124 ] && { scancel "$job_id"; fail "$name: job $job_id still not finished after $job_timeout s"; }
  out="$tmp/$name-$job_id.out"
  read -r state exit_code <<<"$(final_state "$job_id")"
  say "$name: job $job_id $state ExitCode=$exit_code, sbatch --wait returned $wait_rc"
}

show_output() { echo "----- $1"; cat "$1"; echo "-----"; }
expect_line() {  # expect_line FILE FIXED-STRING WHAT
  grep -qF -- "$2" "$1" || { show_output "$1" >&2; fail "$3: no line with '$2' in $1"; }
}
