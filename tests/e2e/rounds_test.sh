#!/usr/bin/env bash
# Search rounds close the loop: with search.rounds 2, round 1's best candidates are measured as
# quantized items (kind 2, group 0) and the quantization-aware predictor is retrained on them
# before round 2 searches; both rounds are in search.h5; a rerun redoes nothing.
source "$(dirname "$0")/lib.sh"
run_apq 2 "$work/run" --search.rounds 2 --search.round-items 3 > "$work/run.log" 2>&1 || { cat "$work/run.log"; fail "the run failed"; }
grep -q "search: measuring round 1's best 3 candidates" "$work/run.log" || { cat "$work/run.log"; fail "no round measurement"; }
"$PY" - "$work/run" <<'PYEOF' || fail "search rounds left the wrong files"
import sys, h5py
run = sys.argv[1]
with h5py.File(f"{run}/quant_dataset.h5", "r") as f:
    kind, group, ids = f["items/kind"][:], f["items/group"][:], f["items/id"][:]
    rounds = sorted(int(i) for i, k in zip(ids, kind) if k == 2)
    assert rounds == [20, 21, 22], f"round items {rounds}"  # after the 20 collect-quant items
    assert all(g == 0 for g, k in zip(group, kind) if k == 2), "round items not in group 0"
    total = len(ids)
with h5py.File(f"{run}/search.h5", "r") as f:
    for method in ("joint_round0", "joint", "staged"):
        assert method in f and f[method].attrs["completed"] == 1, f"search.h5: {method} missing"
    first = [s.decode() for s in f["joint_round0/results/arch"][:3]]
with h5py.File(f"{run}/quant_dataset.h5", "r") as f:
    measured = [f["items/arch"][i].decode() for i, k in enumerate(f["items/kind"][:]) if k == 2]
assert sorted(measured) == sorted(first), "the measured items are not round 1's best"
with h5py.File(f"{run}/predictors.h5", "r") as f:
    q = f["quant"].attrs
    assert q["n_train"] + q["n_heldout"] == total, f"quant predictor trained on {q['n_train'] + q['n_heldout']} of {total}"
print("rounds ok")
PYEOF
run_apq 2 "$work/run" --search.rounds 2 --search.round-items 3 > "$work/again.log" 2>&1 || { cat "$work/again.log"; fail "the rerun failed"; }
grep -q "joint_round0 results are in" "$work/again.log" || { cat "$work/again.log"; fail "round 1 was redone"; }
grep -q "all 3 items are on disk" "$work/again.log" || { cat "$work/again.log"; fail "round items were measured again"; }
echo "e2e rounds: ok"
