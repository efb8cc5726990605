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

APISERVER_PORT=16443
ETCD_PORT=12379
ETCD_PEER_PORT=12380
SERVICE_CIDR=10.96.0.0/16
# Health ports of the controller-manager and scheduler, moved off their defaults (10257/10259) so a bed
# can share the machine with other Kubernetes tooling.
CM_PORT=16257
SCHED_PORT=16259

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}

log() { printf '[e2e] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
