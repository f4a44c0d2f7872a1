#!/usr/bin/env bash
# An error no retry can fix is not an item failure: with supernet.h5 replaced by a foreign HDF5
# file, collect-fp stops with one line naming the file and a non-zero exit, records no item as
# failed and leaves the dataset as it was; with the file restored, the same command completes.
source "$(dirname "$0")/lib.sh"
run_apq 2 "$work/run" --stage train > "$work/train.log" 2>&1 || { cat "$work/train.log"; fail "training failed"; }
run_apq 2 "$work/run" --stage collect-fp --collect-fp.samples 6 > "$work/first.log" 2>&1 || { cat "$work/first.log"; fail "collect-fp failed"; }
mv "$work/run/supernet.h5" "$work/supernet.h5.good"
"$PY" -c "import h5py, sys; h5py.File(sys.argv[1], 'w').create_dataset('x', data=[1, 2, 3])" "$work/run/supernet.h5"
before=$(md5sum "$work/run/fp_dataset.h5")
if run_apq 2 "$work/run" --stage collect-fp --collect-fp.samples 12 > "$work/broken.log" 2>&1; then
  cat "$work/broken.log"; fail "collect-fp exited 0 with a foreign supernet.h5"
fi
grep -q "supernet.h5: .*not an apq-actors file" "$work/broken.log" || { cat "$work/broken.log"; fail "no line naming the broken file"; }
[ "$(md5sum "$work/run/fp_dataset.h5")" = "$before" ] || fail "fp_dataset.h5 changed"
"$PY" - "$work/run/fp_dataset.h5" <<'PYEOF' || fail "items were recorded as failed"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    assert len(f["failed/id"]) == 0, f"{len(f['failed/id'])} failed items recorded"
    assert len(f["items/id"]) == 6
PYEOF
mv "$work/supernet.h5.good" "$work/run/supernet.h5"
run_apq 2 "$work/run" --stage collect-fp --collect-fp.samples 12 > "$work/again.log" 2>&1 || { cat "$work/again.log"; fail "collect-fp failed after the file was restored"; }
"$PY" -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r'); assert sorted(f['items/id'][:]) == list(range(12)) and len(f['failed/id']) == 0" \
  "$work/run/fp_dataset.h5" || fail "the restored run did not complete every item"
echo "e2e broken input: ok"
