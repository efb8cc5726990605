#!/usr/bin/env bash
# Stops the test bed: the node agent (if the runner started one), then the control plane in reverse order.
# --purge also deletes the bed's state (etcd data, certificates, agent state) but keeps $STATE/logs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/proc.sh"

purge=0
case "${1:-}" in
  --purge) purge=1 ;;
  "") ;;
  *) die "usage: $0 [--purge]" ;;
esac
[[ -d $STATE ]] || exit 0
exec 8>"$STATE.lock"
flock 8

# The agent stops its pods' containers on SIGTERM: give it time.
proc_stop node-agent "$(command -v node || echo /usr/bin/node)" 60
proc_stop kube-scheduler "$K8S_BIN/kube-scheduler"
proc_stop kube-controller-manager "$K8S_BIN/kube-controller-manager"
proc_stop kube-apiserver "$K8S_BIN/kube-apiserver"
proc_stop etcd "$ETCD_BIN/etcd"

if ((purge)); then
  find "$STATE" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
  log "purged $STATE (logs kept)"
fi
