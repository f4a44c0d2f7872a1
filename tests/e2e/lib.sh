# Shared by the end-to-end tests: run apq-actors on the tiny config in a fresh directory.
set -euo pipefail
: "${APQ_BIN:?}" "${APQ_SOURCE_DIR:?}" "${MPIEXEC:=mpirun}"
TINY="$APQ_SOURCE_DIR/configs/tiny.ini"
PY=/usr/bin/python3  # Debian's interpreter, which sees python3-h5py
work=$(mktemp -d /tmp/apq-e2e.XXXXXX)
trap 'rm -rf "$work"' EXIT

# run_apq RANKS RUN_DIR [options...]
run_apq() {
  local ranks=$1 dir=$2
  shift 2
  "$MPIEXEC" --bind-to none --oversubscribe -np "$ranks" "$APQ_BIN" --config "$TINY" --run-dir "$dir" "$@"
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# dataset_rows H5: the items a dataset file holds (0 while it does not exist or is being written).
dataset_rows() { "$PY" -c "import h5py,sys; print(len(h5py.File(sys.argv[1],'r')['items/id']))" "$1" 2>/dev/null || echo 0; }

# check_items_once H5 N: the dataset holds item ids 0..N-1, each exactly once.
check_items_once() { "$PY" "$APQ_SOURCE_DIR/tests/e2e/check_items_once.py" "$1" "$2"; }

# start_collecting ROWS [options...]: starts a 2-rank tiny run into $work/run in its own session
# (its id in $group, its output in $work/first.log) and returns once fp_dataset.h5 holds ROWS items.
start_collecting() {
  local rows=$1
  shift
  setsid bash -c "exec $MPIEXEC --bind-to none --oversubscribe -np 2 $APQ_BIN --config $TINY --run-dir $work/run $*" \
    > "$work/first.log" 2>&1 &
  group=$!
  local deadline=$((SECONDS + 600))
  while [ "$(dataset_rows "$work/run/fp_dataset.h5")" -lt "$rows" ]; do
    [ $SECONDS -lt $deadline ] || { kill -9 -- -"$group" 2>/dev/null; cat "$work/first.log"; fail "collection did not start in time"; }
    kill -0 "$group" 2>/dev/null || { cat "$work/first.log"; fail "the first run ended before it could be interrupted"; }
    sleep 0.2
  done
}

# rank_pid N: the pid of rank N of the job in session $group.
rank_pid() {
  local pid
  for pid in $(pgrep -s "$group"); do
    if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then echo "$pid"; fi
  done
}
