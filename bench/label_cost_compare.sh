#!/bin/bash
# The per-item cost of collect-fp labels on all 10,000 validation images, for two builds of
# apq-actors on the same trained supernet, interleaved (the machine is shared: a ratio from one
# run is the figure):
#   bash bench/label_cost_compare.sh SUPERNET_H5 OLD_BINARY [ITEMS] [ROUNDS]   (defaults 100 and 2)
# SUPERNET_H5 is a finished quick run's supernet.h5 (trained with the embedded config's [data]
# and [train]: the runs here use that config, and supernet.h5 is decided by those keys);
# OLD_BINARY another build (a worktree of an older commit: `git worktree add /tmp/old REV &&
# cmake ... --target apq-actors`). The new
# binary is APQ_BIN or build/apq-actors. OLD_ARGS adds options for the old binary only (a build
# from before 5 Dec 2026 needs OLD_ARGS="--data.subset-val 0" to evaluate on all 10,000 images).
# Prints each run's stage time, mean and median seconds per item, and images per second per core
# (evaluation plus BN re-calibration images), then new against old.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
supernet="${1:?usage: label_cost_compare.sh SUPERNET_H5 OLD_BINARY [ITEMS] [ROUNDS]}"
old="${2:?usage: label_cost_compare.sh SUPERNET_H5 OLD_BINARY [ITEMS] [ROUNDS]}"
new="${APQ_BIN:-$root/build/apq-actors}"
items="${3:-100}"
rounds="${4:-2}"
work="$(mktemp -d /tmp/apq-label-cost.XXXXXX)"
trap 'rm -rf "$work"' EXIT
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

run() {  # run NAME BINARY ARGS...: one collect-fp stage in a fresh run dir holding the supernet
  local name="$1" bin="$2" dir="$work/$1"
  shift 2
  rm -rf "$dir" && mkdir -p "$dir" && cp "$supernet" "$dir/supernet.h5"
  mpirun --bind-to none -np 2 "$bin" --run-dir "$dir" --stage collect-fp --collect-fp.samples "$items" \
    --collect-fp.eval-images 0 "$@" > "$dir.log" 2>&1 ||
    { echo "label_cost_compare: $bin failed, see below" >&2; tail -5 "$dir.log" >&2; exit 1; }
  /usr/bin/python3 - "$dir" "$name" <<'PY'
import configparser, sys, h5py, numpy as np
f = h5py.File(sys.argv[1] + "/fp_dataset.h5", "r")
s = f["items/seconds"][:]
config = configparser.ConfigParser()
config.read_string("[top]\n" + f.attrs["config"])
calib = config.getint("collect-fp", "calib-images")
# Builds before 5 Dec 2026 have no images column: they scored the whole validation split.
scored = f["items/images"][:] if "images" in f["items"] else np.full(len(s), config.getint("data", "val-size"))
images = scored + calib
print(f"{sys.argv[2]:4s} {s.sum() / 2:7.1f} s per core  mean {s.mean():.2f} s/item  median {np.median(s):.2f}  "
      f"{images.sum() / s.sum():8.0f} images/s per core")
with open(sys.argv[1] + "/../rates", "a") as out:
    out.write(f"{sys.argv[2]} {images.sum() / s.sum()}\n")
PY
}

for round in $(seq "$rounds"); do
  # shellcheck disable=SC2086
  run old "$old" ${OLD_ARGS:-}
  run new "$new"
done
/usr/bin/python3 - "$work/rates" <<'PY'
import sys
rates = {}
for line in open(sys.argv[1]):
    name, rate = line.split()
    rates.setdefault(name, []).append(float(rate))
print(f"new / old images per second per core: {sum(rates['new']) / sum(rates['old']):.2f}x "
      f"({len(rates['new'])} interleaved rounds)")
PY
