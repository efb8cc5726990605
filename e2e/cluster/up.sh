#!/usr/bin/env bash
# Brings up the test bed's control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager and
# kube-scheduler (built by build.sh into the cache), with certificates generated on first use, and writes
#   $STATE/kubeconfig   cluster-admin, server https://127.0.0.1:16443
#   $STATE/env          `. $STATE/env` puts kubectl and helm on PATH and sets KUBECONFIG
# Idempotent: components already running are kept, missing ones are started; returns once the API server
# is ready and the controller-manager has created the default ServiceAccount.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/proc.sh"
. "$here/pki.sh"

"$here/build.sh"

mkdir -p "$STATE/logs"
exec 8>"$STATE.lock"
flock 8
t0=$SECONDS

pki_ensure
KUBECONFIG=$STATE/kubeconfig
pki_kubeconfig "$KUBECONFIG" admin
pki_kubeconfig "$STATE/controller-manager.kubeconfig" controller-manager
pki_kubeconfig "$STATE/scheduler.kubeconfig" scheduler
cat >"$STATE/env" <<ENV
export KUBECONFIG=$KUBECONFIG
export PATH=$K8S_BIN:$HELM_BIN:\$PATH
ENV
export KUBECONFIG
kubectl=$K8S_BIN/kubectl

etcd=$ETCD_BIN/etcd
apiserver=$K8S_BIN/kube-apiserver
cm=$K8S_BIN/kube-controller-manager
scheduler=$K8S_BIN/kube-scheduler

# Start a component unless it is already running (the bed is reused across runs).
ensure() { # name binary args...
  local name=$1 bin=$2
  if pid=$(proc_pid "$name" "$bin"); then log "$name already running (pid $pid)"; return; fi
  printf '\n=== %s: starting %s\n' "$(date -Is)" "$name" >>"$STATE/logs/$name.log"
  proc_start "$@"
}

etcd_healthy() { curl -sf "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }
api_ready() {
  [[ $(curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT/readyz") == ok ]]
}
# The controllers' health endpoints allow anonymous access; -k because they serve a self-signed certificate.
healthz() { [[ $(curl -sfk "https://127.0.0.1:$1/healthz") == ok ]]; }

# No fsync: the bed is disposable, and on a shared, busy disk fsync latency stalls the API server.
ensure etcd "$etcd" --name corral-e2e --data-dir "$STATE/etcd" --log-level warn --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "corral-e2e=http://127.0.0.1:$ETCD_PEER_PORT"
proc_wait etcd "$etcd" 60 etcd_healthy

# ServiceAccount admission (on by default; named here because the operator depends on it) gives every pod a
# projected token volume; the agent fills it through the TokenRequest API, signed with sa.key.
# --endpoint-reconciler-type=none: the `kubernetes` Endpoints cannot hold a loopback address, and the
# default reconciler would log that complaint every few seconds. Nothing dials the Service anyway.
# --kubelet-preferred-address-types=InternalIP: the API server reaches a node (kubectl logs/exec) by the loopback
# address the agent publishes, never by resolving its name (the default tries Hostname first, a DNS lookup that
# would leave the machine).
ensure kube-apiserver "$apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --authorization-mode RBAC \
  --enable-admission-plugins ServiceAccount,DefaultStorageClass \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --endpoint-reconciler-type none \
  --kubelet-preferred-address-types InternalIP \
  --allow-privileged \
  --profiling=false
proc_wait kube-apiserver "$apiserver" 120 api_ready

# '*': every controller that is on by default (garbage collector, PV binder, Deployments, ReplicaSets,
# StatefulSets, EndpointSlices, node lifecycle, ServiceAccounts and their root CA ConfigMap, ...).
# Each controller runs under its own ServiceAccount, as on a kubeadm cluster, so RBAC is exercised.
ensure kube-controller-manager "$cm" \
  --kubeconfig "$STATE/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$STATE/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$STATE/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$CM_PORT" \
  --controllers '*' --leader-elect=false --use-service-account-credentials \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
  --profiling=false
ensure kube-scheduler "$scheduler" \
  --kubeconfig "$STATE/scheduler.kubeconfig" \
  --authentication-kubeconfig "$STATE/scheduler.kubeconfig" \
  --authorization-kubeconfig "$STATE/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" \
  --leader-elect=false --profiling=false
proc_wait kube-controller-manager "$cm" 120 healthz "$CM_PORT"
proc_wait kube-scheduler "$scheduler" 120 healthz "$SCHED_PORT"
# The ServiceAccount controller's first act: until it exists, pods in `default` are refused.
proc_wait kube-controller-manager "$cm" 120 "$kubectl" get serviceaccount default -n default

log "control plane ready in $((SECONDS - t0)) s: KUBECONFIG=$KUBECONFIG (or: . $STATE/env)"
