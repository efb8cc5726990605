#!/usr/bin/env bash
# Runs the e2e suite against a kind cluster instead of the local bed, on a machine with Docker.
# Needs docker, kind and kubectl on PATH. Creates the cluster `corral-e2e` (one control plane, three workers
# labelled with the bed's zones and regions) unless it exists, builds the member image with docker, loads
# it into the nodes, runs the suite, and deletes a cluster it created unless CORRAL_E2E_KEEP=1.
# KIND_NODE_IMAGE picks the node image (default: the bed's Kubernetes release). Extra arguments go to vitest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. e2e/cluster/lib.sh

cluster=${KIND_CLUSTER:-corral-e2e}
node_image=${KIND_NODE_IMAGE:-kindest/node:$K8S_VERSION}
for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH (kind.sh needs docker, kind and kubectl)"
done

work=$(mktemp -d)
created=0
cleanup() {
  local rc=$?
  if ((created)) && [[ ${CORRAL_E2E_KEEP:-0} != 1 ]]; then kind delete cluster --name "$cluster" || true; fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

if ! kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  worker() { printf -- '- role: worker\n  labels: {topology.kubernetes.io/zone: zone-%s, topology.kubernetes.io/region: region-%s}\n' "$1" "$2"; }
  { printf 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n'
    worker a 1; worker b 2; worker c 3; } >"$work/kind.yaml"
  kind create cluster --name "$cluster" --image "$node_image" --config "$work/kind.yaml" --wait 300s
  created=1
fi
kind get kubeconfig --name "$cluster" >"$work/kubeconfig"
export KUBECONFIG=$work/kubeconfig

# The suite's default StorageClass is corral-local; on kind it is backed by kind's local-path provisioner.
kubectl annotate storageclass --all storageclass.kubernetes.io/is-default-class- >/dev/null
kubectl apply -f - <<'SC'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: corral-local
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
SC

# The Dockerfile's default base (the official Node.js image) is pulled from Docker Hub here.
docker build -t localhost/corral:dev .
kind load docker-image localhost/corral:dev --name "$cluster"

CORRAL_E2E_K8S_VERSION=$(kubectl get --raw /version | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).gitVersion)')
export CORRAL_E2E_K8S_VERSION CORRAL_E2E_TARGET=kind
npx tsc -p e2e --noEmit
npx vitest run -c e2e/vitest.config.ts "$@"
