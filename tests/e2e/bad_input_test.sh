#!/usr/bin/env bash
# The bad-input matrix (tests/e2e/bad_input_cases.txt, one case per line): each case must exit
# with its code, print one line containing its text, and leave every file of the run directory
# it names byte-identical (checksums before and after).
source "$(dirname "$0")/lib.sh"
RUN=$work/run
BAD=$work/bad
run_apq 1 "$RUN" > "$work/run.log" 2>&1 || { cat "$work/run.log"; fail "the finished run failed"; }
mkdir -p "$BAD/no_data" "$BAD/broken_data"
printf '[search]\npopulaton = 10\n' > "$BAD/typo.ini"
printf 'threads = many\n' > "$BAD/bad_value.ini"
printf '[search]\nlatency-ms = fast\n' > "$BAD/bad_number.ini"
for f in /usr/share/datasets/fashion-mnist/*.gz; do head -c 3000 "$f" > "$BAD/broken_data/$(basename "$f")"; done
for name in foreign_supernet text_supernet budget_run; do cp -r "$RUN" "$BAD/$name"; done
"$PY" -c "import h5py, sys; h5py.File(sys.argv[1], 'w').create_dataset('x', data=[1])" "$BAD/foreign_supernet/supernet.h5"
echo "not hdf5" > "$BAD/text_supernet/supernet.h5"

checksums() { (cd "$1" && find . -type f | sort | xargs md5sum); }
cases=0 failed=0
while IFS='|' read -r code text args; do
  case "$code" in ''|\#*) continue ;; esac
  code=$(echo "$code" | xargs)
  text=$(echo "$text" | sed 's/^ *//; s/ *$//')
  text=${text//\$BAD/$BAD}
  args=${args//\$RUN/$RUN}
  args=${args//\$BAD/$BAD}
  read -ra argv <<< "$args"
  dir=$RUN
  for ((i = 0; i < ${#argv[@]}; i++)); do [ "${argv[$i]}" = --run-dir ] && dir=${argv[$((i + 1))]}; done
  base=()
  [[ " $args " == *" --config "* ]] || base+=(--config "$TINY")
  [[ " $args " == *" --run-dir"* ]] || base+=(--run-dir "$RUN")
  before=$(checksums "$dir")
  set +e
  "$APQ_BIN" "${base[@]}" "${argv[@]}" > "$work/case.log" 2>&1
  got=$?
  set -e
  cases=$((cases + 1))
  problem=""
  [ "$got" = "$code" ] || problem="exit $got, expected $code"
  grep -qF -- "$text" "$work/case.log" || problem="$problem; no line with '$text'"
  [ "$(checksums "$dir")" = "$before" ] || problem="$problem; files in $dir changed"
  if [ -n "$problem" ]; then
    failed=$((failed + 1))
    echo "FAILED: $args: $problem"
    grep -v '^\[rank' "$work/case.log" | head -5 | sed 's/^/    /'
  fi
done < "$(dirname "$0")/bad_input_cases.txt"
echo "bad input: $cases cases, $failed failed"
[ "$cases" -ge 40 ] || fail "fewer than 40 cases"
[ "$failed" -eq 0 ] || fail "$failed of $cases bad-input cases failed"
