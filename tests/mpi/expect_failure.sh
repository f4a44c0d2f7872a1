#!/bin/sh
# Runs a command that must fail: exit code != 0, within LIMIT seconds, and with the expected
# text in its output. Usage: expect_failure.sh LIMIT "expected text" command args...
limit=$1; expected=$2; shift 2
log=$(mktemp)
start=$(date +%s%N)
"$@" >"$log" 2>&1
code=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
cat "$log"
if [ "$code" -eq 0 ]; then echo "expect_failure: the job exited 0"; rm -f "$log"; exit 1; fi
if ! grep -q -- "$expected" "$log"; then
  echo "expect_failure: no line with '$expected'"; rm -f "$log"; exit 1
fi
rm -f "$log"
if [ "$elapsed_ms" -gt $((limit * 1000)) ]; then
  echo "expect_failure: took ${elapsed_ms} ms, limit ${limit} s"; exit 1
fi
echo "expect_failure: exit code $code after ${elapsed_ms} ms, as expected"
