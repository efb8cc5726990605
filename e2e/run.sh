#!/usr/bin/env bash
# `npm run e2e`: brings up the test bed (control plane, member image, node agent; whatever already runs is
# reused), runs the e2e suite, and tears the bed down unless CORRAL_E2E_KEEP=1. Extra arguments go to vitest
# (a file filter, -t 'name'). See e2e/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. e2e/cluster/lib.sh
. e2e/cluster/proc.sh

NODES=3
node_bin=$(command -v node)

teardown() {
  local rc=$?
  trap - EXIT
  if [[ ${CORRAL_E2E_KEEP:-0} == 1 ]]; then
    log "CORRAL_E2E_KEEP=1: the bed keeps running; use it with '. $STATE/env'; remove it with e2e/cluster/down.sh --purge"
  else
    e2e/cluster/down.sh --purge || rc=$((rc ? rc : 1))
  fi
  ((rc == 0)) || log "e2e failed (exit $rc); component logs in $STATE/logs"
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

phase() { log "$1: $(($SECONDS - phase_t0)) s"; phase_t0=$SECONDS; }
phase_t0=$SECONDS

e2e/cluster/up.sh
. "$STATE/env"
export CORRAL_E2E_K8S_VERSION=$K8S_VERSION CORRAL_E2E_TARGET=bed
export CORRAL_E2E_AGENT_CONTROL=http://127.0.0.1:$AGENT_CONTROL_PORT
# One tag for the image built and the image tested (another tag keeps a second bed's build apart).
export CORRAL_E2E_IMAGE=${CORRAL_IMAGE:-localhost/corral:dev}
phase "control plane up"

if [[ -f e2e/image/build.sh ]]; then
  bash e2e/image/build.sh
  phase "member image"
fi

# Compiles the node agent (and type-checks the tests) into dist/e2e.
npx tsc -p e2e
phase "tsc -p e2e"

ready_nodes() {
  local n
  n=$(kubectl get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    grep -c '^True$') || true
  ((n >= NODES))
}
if [[ -f e2e/node-agent/src/main.ts ]]; then
  if pid=$(proc_pid node-agent "$node_bin"); then
    log "node agent already running (pid $pid)"
  else
    printf '\n=== %s: starting node-agent\n' "$(date -Is)" >>"$STATE/logs/node-agent.log"
    proc_start node-agent "$node_bin" dist/e2e/node-agent/src/main.js \
      --kubeconfig "$STATE/kubeconfig" --state-dir "$STATE/agent" --nodes "$NODES" \
      --api-server "127.0.0.1:$APISERVER_PORT" --control-port "$AGENT_CONTROL_PORT" --pod-ip-prefix "$AGENT_POD_IP_PREFIX"
  fi
  proc_wait node-agent "$node_bin" 120 ready_nodes
  phase "node agent: $NODES nodes Ready"
fi

npx vitest run -c e2e/vitest.config.ts "$@"
phase "e2e suite"
