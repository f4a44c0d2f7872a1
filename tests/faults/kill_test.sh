#!/usr/bin/env bash
# SIGKILL at a random point of each stage, of the whole job and of one rank: the same command
# then resumes and ends with results identical to an uninterrupted run (every dataset item, the
# predictors' figures, every search method's results, the final report and the supernet's
# weights bit for bit). The kill points are drawn from a printed seed (APQ_FAULTS_SEED repeats
# them): the kill comes 0-300 ms after the stage's first file appears (mpirun buffers the log).
source "$(dirname "$0")/../e2e/lib.sh"
args=(--threads 1 --train.phase-steps 24,12,12,12 --collect-fp.samples 120 --collect-quant.samples 30
      --search.generations 30)
seed=${APQ_FAULTS_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$seed
echo "kill points drawn with seed $seed (APQ_FAULTS_SEED=$seed repeats them)"
run_apq 2 "$work/ref" "${args[@]}" > "$work/ref.log" 2>&1 || { cat "$work/ref.log"; fail "the uninterrupted run failed"; }

# The file whose appearance shows that a stage is under way (the supernet's first checkpoint, the
# first dataset row, the first predictor, the search's history, the first finalized network).
stage_file() {
  case $1 in
    train) echo "supernet.h5" ;;
    collect-fp) echo "fp_dataset.h5" ;;
    collect-quant) echo "quant_dataset.h5" ;;
    predictor) echo "predictors.h5" ;;
    search) echo "scenarios/*/search.h5" ;;
    finalize) echo "scenarios/*/final.h5" ;;
  esac
}

# kill_during STAGE TARGET: starts the run in its own session, waits for STAGE's file, waits
# 0-300 ms more, then SIGKILLs the whole job (TARGET job) or rank 1 alone (TARGET rank1).
kill_during() {
  local stage=$1 target=$2 dir=$work/$1-$2 delay deadline victim pattern
  setsid bash -c "exec $MPIEXEC --bind-to none --oversubscribe -np 2 $APQ_BIN --config $TINY --run-dir $dir ${args[*]}" \
    > "$dir.log" 2>&1 &
  group=$!
  deadline=$((SECONDS + 300))
  pattern="$dir/$(stage_file "$stage")"
  until compgen -G "$pattern" > /dev/null; do
    kill -0 "$group" 2>/dev/null || { cat "$dir.log"; fail "$stage/$target: the run ended before the stage began"; }
    [ $SECONDS -lt $deadline ] || { kill -9 -- -"$group"; fail "$stage/$target: the stage never began"; }
    sleep 0.02
  done
  delay=$(awk -v r=$RANDOM 'BEGIN {printf "%.3f", (r % 300) / 1000}')
  sleep "$delay"
  if [ "$target" = job ]; then victim=-$group; else victim=$(rank_pid 1); fi
  [ -n "$victim" ] || { kill -9 -- -"$group"; fail "$stage/$target: rank 1's process not found"; }
  kill -9 -- "$victim" 2>/dev/null || true
  deadline=$((SECONDS + 120))
  while kill -0 "$group" 2>/dev/null; do  # a lost rank ends the job (liveness bound, not a speed limit)
    [ $SECONDS -lt $deadline ] || { kill -9 -- -"$group"; cat "$dir.log"; fail "$stage/$target: the job still runs 120 s after the kill"; }
    sleep 0.1
  done
  wait "$group" 2>/dev/null || true
  landed="after $stage began"
  grep -q "^apq-actors: done" "$dir.log" && landed="after the run ended"
  run_apq 2 "$dir" "${args[@]}" > "$dir.rerun.log" 2>&1 || { cat "$dir.log" "$dir.rerun.log"; fail "$stage/$target: the rerun failed"; }
  "$PY" "$APQ_SOURCE_DIR/tests/e2e/compare_runs.py" "$work/ref" "$dir" --supernet > "$dir.compare" ||
    { cat "$dir.compare"; fail "$stage/$target: results after the kill (${delay} s $landed) and rerun differ from the uninterrupted run"; }
  echo "ok: SIGKILL of the $target ${delay} s $landed; the rerun gives identical results"
}

for stage in ${APQ_FAULTS_STAGES:-train collect-fp collect-quant predictor search finalize}; do
  for target in job rank1; do kill_during "$stage" "$target"; done
done
echo "faults kill: ok (12 cases)"
