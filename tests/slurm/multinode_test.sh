#!/usr/bin/env bash
# multinode_test.sh SOURCE_DIR APQ_ACTORS -- slurm/apq.sh across nodes of a real multi-node Slurm
# cluster on this machine (slurm/local-cluster.sh start --nodes 3: each node a network namespace
# with its own address and hostname, so ranks on different nodes talk over TCP). For 2 and 3
# ranks, the tiny pipeline runs once with every rank on one node (the reference) and then with one
# rank per node under srun --mpi=pmix and under mpirun inside the allocation; each multi-node run
# must COMPLETE, name a different node in each rank's log line, move its traffic over the nodes'
# network, and give results identical to the reference (datasets, predictors, search, final
# report, and the supernet's weights bit for bit: same ranks and threads, same summation order).
# Starts the cluster and stops it at the end (also on failure). Needs root.
TAG=multinode-test
source "$(dirname "$0")/lib.sh"

# A 3-rank reference job fits on one node; the cores are shared anyway.
export APQ_SLURM_CPUS=3
started_here=1
"$cluster" start --nodes 3 || fail "cannot start the 3-node local Slurm cluster (see the messages above)"
nodes=$(sinfo -h -N -o '%N' | sort -u | tr '\n' ' ')
[ "$(wc -w <<<"$nodes")" = 3 ] || fail "expected 3 nodes, sinfo shows: $nodes"
make_tmp

export APQ_CONFIG="$src/configs/tiny.ini" APQ_BIN=$bin
unset APQ_STAGE APQ_ARGS APQ_RUN_DIR

# rx_bytes NODE: bytes the node's network interface has received
rx_bytes() { ip -n "$1" -s link show eth0 | awk '/RX:/ {getline; print $1; exit}'; }

# run_job NAME RANKS NODES LAUNCHER: the tiny pipeline as one job, RANKS ranks on NODES nodes
# (1 node: all ranks on one node; else one rank per node); checks it completed and where ranks ran.
run_job() {
  local name=$1 ranks=$2 n=$3 launcher=$4 placement r hosts before=() after node k traffic=""
  if [ "$n" = 1 ]; then placement=(-N 1 --ntasks="$ranks"); else placement=(-N "$n" --ntasks="$ranks" --ntasks-per-node=1); fi
  for node in $nodes; do before+=("$(rx_bytes "$node")"); done
  APQ_LAUNCHER=$launcher APQ_RUN_DIR="$tmp/$name" submit "$name" "${placement[@]}" --cpus-per-task=1
  [ "$state $exit_code $wait_rc" = "COMPLETED 0:0 0" ] || { show_output "$out" >&2; fail "$name: expected COMPLETED 0:0, rc 0"; }
  expect_line "$out" "[apq.sh] ranks: $ranks, threads per rank: 1, launcher: $launcher" "$name: header"
  expect_line "$out" "[apq.sh] job $job_id finished: exit code 0" "$name: footer"
  hosts=""
  for r in $(seq 0 $((ranks - 1))); do
    hosts+="$(grep -m1 "^\[rank $r/$ranks\] host=" "$out" | sed 's/.* host=\([^ ]*\).*/\1/') "
  done
  [ "$(wc -w <<<"$hosts")" = "$ranks" ] || { show_output "$out" >&2; fail "$name: not every rank printed its log line"; }
  for node in $hosts; do [[ " $nodes " == *" $node "* ]] || fail "$name: rank host '$node' is not a cluster node ($nodes)"; done
  if [ "$n" = 1 ]; then
    [ "$(tr ' ' '\n' <<<"$hosts" | sort -u | grep -c .)" = 1 ] || fail "$name: ranks on several nodes ($hosts)"
  else
    [ "$(tr ' ' '\n' <<<"$hosts" | sort -u | grep -c .)" = "$n" ] || fail "$name: ranks not on $n different nodes ($hosts)"
    k=0
    for node in $nodes; do  # every node that ran a rank received its peers' messages over its network
      after=$(rx_bytes "$node")
      if [[ " $hosts " == *" $node "* ]] && [ $((after - before[k])) -lt 100000 ]; then
        fail "$name: $node received only $((after - before[k])) bytes over eth0: ranks did not talk over the network"
      fi
      [[ " $hosts " == *" $node "* ]] && traffic+=" $node $(( (after - before[k]) / 1024 )) KiB"
      k=$((k + 1))
    done
  fi
  say "$name: ranks on $hosts${traffic:+(received over eth0:$traffic)}"
}

for ranks in 2 3; do
  run_job "one-node-$ranks" "$ranks" 1 srun
  for launcher in srun mpirun; do
    run_job "$launcher-$ranks-nodes" "$ranks" "$ranks" "$launcher"
    "$PY" "$src/tests/e2e/compare_runs.py" "$tmp/one-node-$ranks" "$tmp/$launcher-$ranks-nodes" --supernet ||
      fail "$launcher-$ranks-nodes: results differ from the $ranks-rank run on one node"
    ok "$ranks ranks on $ranks nodes under $launcher: results identical to $ranks ranks on one node"
  done
done
say "all multi-node checks passed"
