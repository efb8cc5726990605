# Shared settings for the test bed's scripts (sourced, not run). Names and ports follow
# /work/notes/testbed-contract.md; override the directories with CORRAL_E2E_CACHE / CORRAL_E2E_STATE.
K8S_VERSION=v1.36.3
ETCD_VERSION=v3.6.8
HELM_VERSION=v4.3.2

CACHE=${CORRAL_E2E_CACHE:-/var/cache/corral-e2e}
STATE=${CORRAL_E2E_STATE:-/tmp/corral-e2e}

K8S_BIN=$CACHE/bin/kubernetes-$K8S_VERSION
ETCD_BIN=$CACHE/bin/etcd-$ETCD_VERSION
HELM_BIN=$CACHE/bin/helm-$HELM_VERSION

# CORRAL_E2E_PORT_OFFSET moves every port of the bed (5000: API server on 21443, etcd on 17379, ...), so a
# second bed can run beside the default one, with its own CORRAL_E2E_STATE.
port_offset=${CORRAL_E2E_PORT_OFFSET:-0}
[[ $port_offset =~ ^[0-9]+$ ]] && ((port_offset <= 49000)) ||
  { echo "CORRAL_E2E_PORT_OFFSET must be a number up to 49000" >&2; exit 2; }
# Ports inside the kernel's ephemeral range may already be held by some connection's local end (a node agent
# once failed to listen that way): say so before something fails to bind.
if read -r eph_lo eph_hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null && ((16480 + port_offset >= eph_lo)); then
  echo "[e2e] warning: CORRAL_E2E_PORT_OFFSET=$port_offset puts ports in the ephemeral range ($eph_lo-$eph_hi); a bind may fail (an offset up to $((eph_lo - 16481)) avoids it)" >&2
fi
APISERVER_PORT=$((16443 + port_offset))
ETCD_PORT=$((12379 + port_offset))
ETCD_PEER_PORT=$((12380 + port_offset))
# Health ports of the controller-manager and scheduler, off their defaults (10257/10259).
CM_PORT=$((16257 + port_offset))
SCHED_PORT=$((16259 + port_offset))
# The node agent's control endpoint (make a node NotReady and back).
AGENT_CONTROL_PORT=$((16480 + port_offset))
# Its pods' addresses: <prefix>.x.y, 127.1 for the default bed, another /16 of loopback for an offset one.
AGENT_POD_IP_PREFIX=127.$((1 + port_offset / 1000 % 254))
SERVICE_CIDR=10.96.0.0/16

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}

log() { printf '[e2e] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
