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
