# shellcheck shell=bash
# netns-nodes.sh -- the nodes of a multi-node local cluster (sourced by local-cluster.sh): each
# node is a Linux network namespace with its own address on a private bridge, its own hostname,
# and its own slurmd. Ranks on different nodes then talk over TCP (veth -> bridge -> veth), not
# shared memory. Nothing leaves the machine: no route, no forwarding, no NAT out of the /24.
# Pitfalls behind the less obvious lines are numbered as in ../shared/reference/multinode-slurm.
#
# Needs from the caller: BASE (state dir), log, die, alive.
# Environment: APQ_SLURM_NET (first three octets, default 10.78.0; host .1, node K .(10+K)),
#              APQ_SLURM_BRIDGE (default apqbr0), APQ_SLURM_NODE_PREFIX (default apqnode).

NODES_NET=${APQ_SLURM_NET:-10.78.0}
NODES_BRIDGE=${APQ_SLURM_BRIDGE:-apqbr0}
NODE_PREFIX=${APQ_SLURM_NODE_PREFIX:-apqnode}
HOSTS_BEGIN="# BEGIN apq local-cluster nodes ($BASE)"
HOSTS_END="# END apq local-cluster nodes ($BASE)"

node_name() { echo "$NODE_PREFIX$1"; }
node_ip() { echo "$NODES_NET.$((10 + $1))"; }
node_veth() { echo "apqveth$1"; }
node_index() { echo "${1#"$NODE_PREFIX"}"; }
netns_exists() { [ -e "/run/netns/$1" ]; }
# live (non-zombie) processes of a node's namespace
node_pids() { local p; for p in $(ip netns pids "$1" 2>/dev/null); do alive "$p" && echo "$p"; done; }
# nodes made by an earlier start (kept so a smaller start or a stop removes them)
listed_nodes() { cat "$BASE/nodes.list" 2>/dev/null || true; }

# node_kill NODE [SIGNAL]: signals every process in the node, by pid (a node failure, or cleanup).
# For TERM, what is left after 5 s gets SIGKILL; TERM and KILL wait until the node is empty.
node_kill() {
  local ns=$1 sig=${2:-TERM} pids
  pids=$(node_pids "$ns" | tr '\n' ' ')
  [ -n "${pids// /}" ] || return 0
  log "$ns: SIG$sig to pids $pids"
  # shellcheck disable=SC2086
  kill -"$sig" $pids 2>/dev/null || true
  case $sig in TERM | KILL) ;; *) return 0 ;; esac
  for _ in $(seq 1 50); do [ -z "$(node_pids "$ns")" ] && return 0; sleep 0.1; done
  # shellcheck disable=SC2046
  kill -KILL $(node_pids "$ns") 2>/dev/null || true
  for _ in $(seq 1 50); do [ -z "$(node_pids "$ns")" ] && return 0; sleep 0.1; done
  return 1
}

# /etc/hosts lists the node names (Open MPI resolves the names in SLURM_JOB_NODELIST). Rewritten
# in place, not renamed: the file may be a bind mount (pitfall 5).
write_hosts_block() {
  local n=$1 k
  { awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" '$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip' /etc/hosts
    if [ "$n" -gt 0 ]; then
      echo "$HOSTS_BEGIN"
      for k in $(seq 1 "$n"); do echo "$(node_ip "$k") $(node_name "$k")"; done
      echo "$HOSTS_END"
    fi; } >"$BASE/hosts.new"
  cmp -s "$BASE/hosts.new" /etc/hosts || cat "$BASE/hosts.new" >/etc/hosts
  rm -f "$BASE/hosts.new"
}

remove_node() {
  local ns=$1
  node_kill "$ns" TERM || log "$ns: processes left: $(node_pids "$ns" | tr '\n' ' ')"
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$(node_veth "$(node_index "$ns")")" 2>/dev/null || true
  log "$ns removed"
}

# nodes_up N: the bridge and nodes 1..N (existing ones are kept); nodes above N are removed.
nodes_up() {
  local n=$1 k ns veth ip4
  command -v ip >/dev/null && command -v nsenter >/dev/null && command -v unshare >/dev/null ||
    die "multi-node needs ip (iproute2), nsenter and unshare (util-linux)"
  for ns in $(listed_nodes); do [ "$(node_index "$ns")" -gt "$n" ] && netns_exists "$ns" && remove_node "$ns"; done
  if ! ip link show "$NODES_BRIDGE" >/dev/null 2>&1; then
    ip link add "$NODES_BRIDGE" type bridge || die "cannot create bridge $NODES_BRIDGE (no CAP_NET_ADMIN here?)"
  fi
  ip -4 addr show dev "$NODES_BRIDGE" | grep -q "inet $NODES_NET.1/24" || ip addr add "$NODES_NET.1/24" dev "$NODES_BRIDGE"
  ip link set "$NODES_BRIDGE" up
  for k in $(seq 1 "$n"); do
    ns=$(node_name "$k"); veth=$(node_veth "$k"); ip4=$(node_ip "$k")
    netns_exists "$ns" || ip netns add "$ns" || die "cannot create network namespace $ns"
    if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
      ip link del "$veth" 2>/dev/null || true  # a host end whose peer is gone
      ip link add "$veth" type veth peer name eth0 netns "$ns"
    fi
    ip link set "$veth" master "$NODES_BRIDGE" up
    ip -n "$ns" -4 addr show dev eth0 | grep -q "inet $ip4/24" || ip -n "$ns" addr add "$ip4/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    install -d -m 755 "$BASE/nodes/$ns/spool"
    install -d -m 1777 "$BASE/nodes/$ns/tmp"
  done
  seq 1 "$n" | while read -r k; do node_name "$k"; done >"$BASE/nodes.list"
  write_hosts_block "$n"
}

# nodes_down: every listed node's processes, namespace and veth, the bridge, the hosts block.
nodes_down() {
  local ns
  for ns in $(listed_nodes); do netns_exists "$ns" && remove_node "$ns"; done
  ip link del "$NODES_BRIDGE" 2>/dev/null || true
  [ -e /etc/hosts ] && write_hosts_block 0
  rm -f "$BASE/nodes.list"
}

node_slurmd_pid() {  # the node's slurmd, when alive and inside the node's namespace
  local p f=$BASE/pid/slurmd-$1.pid
  [ -s "$f" ] || return 1
  p=$(head -n1 "$f" | tr -dc 0-9)
  [ -n "$p" ] && alive "$p" && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = slurmd ] &&
    [ "$(ip netns identify "$p" 2>/dev/null)" = "$1" ] && echo "$p"
}

# node_slurmd_start NODE: its slurmd, inside its namespace, unless already running.
node_slurmd_start() {
  local ns=$1 p
  if p=$(node_slurmd_pid "$ns"); then log "slurmd $ns already running (pid $p)"; return 0; fi
  # A node killed mid-job leaves its step's PMIx socket in the spool; a requeued job (same job
  # and step id) then cannot bind it (pitfall 8). Nothing runs on the node now: all of it is stale.
  [ -z "$(node_pids "$ns")" ] && rm -rf "$BASE/nodes/$ns/spool"/stepd.slurm.pmix.* "$BASE/nodes/$ns/spool"/pmix.* \
    "$BASE/nodes/$ns/spool/${ns}"_* "$BASE/nodes/$ns/tmp"/spmix_appdir_* 2>/dev/null
  # nsenter --net, not `ip netns exec`, which remounts /sys and hides the cgroup tree slurmd needs
  # (pitfall 1); unshare --uts gives the node its own hostname, so Open MPI's shared-memory
  # segment names and "is this node me" test differ between nodes (pitfall 2).
  nsenter --net="/run/netns/$ns" -- unshare --uts -- sh -c "hostname '$ns' && exec /usr/sbin/slurmd -N '$ns'"
  for _ in $(seq 1 50); do node_slurmd_pid "$ns" >/dev/null && break; sleep 0.1; done
  p=$(node_slurmd_pid "$ns") || { tail -n 20 "$BASE/log/slurmd-$ns.log" >&2 || true; die "slurmd $ns did not start"; }
  log "slurmd $ns started (pid $p, $(node_ip "$(node_index "$ns")"))"
}
