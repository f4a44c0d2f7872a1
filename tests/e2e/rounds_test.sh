#!/usr/bin/env bash
# Search rounds close the loop: with search.rounds 2, round 1's best candidates are measured as
# quantized items (kind 2, group 0) into the scenario's rounds.h5 (never the shared
# quant_dataset.h5), and the scenario's quantization-aware predictor is retrained on the collected
# items plus them before round 2 searches; both rounds are in search.h5; a rerun redoes nothing;
# with search.h5 moved away, the retrained predictor is refused for the first round. With
# collect-quant.fp-accuracy on, every quantized item, round items too, records its subnet's
# unquantized accuracy; the rerun, without it, is served the same files (the key decides none).
source "$(dirname "$0")/lib.sh"
run_apq 2 "$work/run" --search.rounds 2 --search.round-items 3 --collect-quant.fp-accuracy true > "$work/run.log" 2>&1 ||
  { cat "$work/run.log"; fail "the run failed"; }
grep -q "search: measuring round 1's best 3 candidates" "$work/run.log" || { cat "$work/run.log"; fail "no round measurement"; }
"$PY" - "$work/run" <<'PYEOF' || fail "search rounds left the wrong files"
import glob, sys, h5py
run = sys.argv[1]
with h5py.File(f"{run}/quant_dataset.h5", "r") as f:
    assert 2 not in f["items/kind"][:], "round items in the shared quant_dataset.h5"
    total = len(f["items/id"])
    fp_acc = f["items/fp_accuracy"][:]
    assert ((fp_acc > 0) & (fp_acc <= 1)).all(), f"fp_accuracy not measured: {fp_acc}"
(scenario,) = glob.glob(f"{run}/scenarios/*/")
with h5py.File(f"{scenario}/rounds.h5", "r") as f:
    kind, group, ids = f["items/kind"][:], f["items/group"][:], f["items/id"][:]
    rounds = sorted(int(i) for i, k in zip(ids, kind) if k == 2)
    assert rounds == [20, 21, 22] and len(ids) == 3, f"round items {sorted(ids)}"  # after the 20 collect-quant items
    assert all(g == 0 for g in group), "round items not in group 0"
    assert ((f["items/fp_accuracy"][:] > 0) & (f["items/fp_accuracy"][:] <= 1)).all(), "round items without fp_accuracy"
    total += len(ids)
with h5py.File(f"{run}/search.h5", "r") as f:
    for method in ("joint_round0", "joint", "staged"):
        assert method in f and f[method].attrs["completed"] == 1, f"search.h5: {method} missing"
    first = [s.decode() for s in f["joint_round0/results/arch"][:3]]
with h5py.File(f"{scenario}/rounds.h5", "r") as f:
    measured = [a.decode() for a in f["items/arch"][:]]
assert sorted(measured) == sorted(first), "the measured items are not round 1's best"
with h5py.File(f"{scenario}/predictors.h5", "r") as f:
    q = f["quant"].attrs
    assert q["n_train"] + q["n_heldout"] == total, f"retrained quant predictor on {q['n_train'] + q['n_heldout']} of {total}"
with h5py.File(f"{run}/predictors.h5", "r") as f:
    q = f["quant"].attrs
    assert q["n_train"] + q["n_heldout"] == total - 3, "the run's own quant predictor was retrained on a scenario's rounds"
print("rounds ok")
PYEOF
run_apq 2 "$work/run" --search.rounds 2 --search.round-items 3 > "$work/again.log" 2>&1 || { cat "$work/again.log"; fail "the rerun failed"; }
grep -q "joint_round0 results are in" "$work/again.log" || { cat "$work/again.log"; fail "round 1 was redone"; }
grep -q "all 3 items are on disk" "$work/again.log" || { cat "$work/again.log"; fail "round items were measured again"; }
# search.h5 moved away alone: the scenario's retrained predictor must not serve the first round.
scenario=$(readlink "$work/run/search.h5")
scenario=${scenario%/search.h5}
mv "$work/run/$scenario/search.h5" "$work/moved_search.h5"
if run_apq 2 "$work/run" --stage search --search.rounds 2 --search.round-items 3 > "$work/moved.log" 2>&1; then
  cat "$work/moved.log"; fail "a first round would have searched with the predictor retrained on its rounds"
fi
grep -q "predictors.h5: retrained on search rounds that .* does not hold" "$work/moved.log" || { cat "$work/moved.log"; fail "no line naming the retrained predictor"; }
echo "e2e rounds: ok"
