#!/usr/bin/env bash
# Sets up everything apq-actors needs on a Debian machine, builds it, and then runs one thing:
#   bash setup.sh run [apq-actors options]   the main job (embedded quick config, 2 ranks)
#   bash setup.sh test                       the test suite (CTest)
#   bash setup.sh reproduce [options]        configs/reproduce.ini at each budget of
#                                            APQ_BUDGETS (default 0.07 0.09 0.11 ms), searched for
#                                            each and answered from one Pareto front; the report;
#                                            then runs of the seeds in APQ_EXTRA_SEEDS (default
#                                            2 3) at the middle budget, and their seed spread
#   bash setup.sh build                      only install and build
# Idempotent: on a machine that has everything it only does an incremental build.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${APQ_BUILD_DIR:-$root/build}
mode=${1:-build}
[ $# -gt 0 ] && shift

packages=(cmake ninja-build g++ pkg-config zlib1g-dev libcaf-dev libopenmpi-dev openmpi-bin libhdf5-dev hdf5-tools
  libboost-program-options-dev libgtest-dev libtorch-dev libopenblas0-openmp dataset-fashion-mnist python3-h5py)
# The tests also load the exported networks in plain PyTorch.
if [ "$mode" = test ]; then packages+=(python3-torch); fi

install_missing_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  # Wait for another apt/dpkg run instead of failing on its lock.
  local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q)
  "${apt[@]}" update
  "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
}

# configure_and_build [targets...]: everything when no target is named.
configure_and_build() {
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
  fi
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$build" --parallel "$(nproc)" "${targets[@]}"
}


# Root needs Open MPI's explicit consent; --bind-to none lets a rank use several cores.
allow_root_mpirun() {
  if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
}

install_missing_packages
# The main job needs only the program and apq-h5; the tests and benchmarks are built by `test`.
if [ "$mode" = run ] || [ "$mode" = reproduce ]; then configure_and_build apq-actors apq-h5; else configure_and_build; fi

case "$mode" in
  build) ;;
  run)
    cd "$root"
    allow_root_mpirun
    exec mpirun --bind-to none --oversubscribe -np "${APQ_RANKS:-2}" "$build/apq-actors" "$@"
    ;;
  reproduce)
    cd "$root"
    allow_root_mpirun
    # One scenario per budget (the first also trains and collects), then the same budgets answered
    # from one Pareto front; each run ends with the report stage, so the last report.md covers all.
    for search_mode in budget pareto; do
      for budget in ${APQ_BUDGETS:-0.07 0.09 0.11}; do
        mpirun --bind-to none --oversubscribe -np "${APQ_RANKS:-2}" "$build/apq-actors" --config configs/reproduce.ini \
          --search.latency-ms "$budget" --search.mode "$search_mode" $([ "$search_mode" = pareto ] && echo --search.rounds 1) "$@"
      done
    done
    # Independent runs (own supernet, data split, datasets and predictors) at the middle budget:
    # how far joint vs the baselines moves with the run seed.
    budgets=(${APQ_BUDGETS:-0.07 0.09 0.11})
    middle=${budgets[$(( ${#budgets[@]} / 2 ))]}
    runs=(runs/reproduce)
    for seed in ${APQ_EXTRA_SEEDS-2 3}; do
      mpirun --bind-to none --oversubscribe -np "${APQ_RANKS:-2}" "$build/apq-actors" --config configs/reproduce.ini \
        --seed "$seed" --run-dir "runs/reproduce-seed$seed" --search.latency-ms "$middle" "$@"
      runs+=("runs/reproduce-seed$seed")
    done
    if [ ${#runs[@]} -gt 1 ]; then "$build/apq-h5" seeds "${runs[@]}" | tee runs/reproduce/seeds.txt; fi
    ;;
  test)
    cd "$build"
    exec ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@"
    ;;
  *)
    echo "usage: bash setup.sh [build|run|test|reproduce] [args...]" >&2
    exit 2
    ;;
esac
