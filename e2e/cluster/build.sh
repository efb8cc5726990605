#!/usr/bin/env bash
# Builds the test bed's pinned binaries from the Go module proxy into the cache outside the clone:
#   $CACHE/bin/kubernetes-<v>/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   $CACHE/bin/etcd-<v>/etcd   $CACHE/bin/helm-<v>/helm
# A binary that already exists is not rebuilt; Go's module and build caches also live in $CACHE, so a
# rebuild after a version bump reuses what it can. Safe to run concurrently (one build at a time, flock).
# Arguments pick components (etcd, kubernetes, helm; default all): .ci/run builds helm alone before `npm test`,
# whose chart tests need it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

export GOMODCACHE=$CACHE/go/mod GOCACHE=$CACHE/go/build GOFLAGS=-mod=mod GOTOOLCHAIN=local
mkdir -p "$CACHE/bin" "$CACHE/go"
exec 9>"$CACHE/build.lock"
flock 9

k8s_cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

have_all() {
  local dir=$1; shift
  local b
  for b in "$@"; do [[ -x $dir/$b ]] || return 1; done
}

# A throwaway module per component, under $CACHE/src (kept: go.sum and the resolved graph speed a rebuild).
new_module() {
  local dir=$1 goversion
  goversion=$("$GO" env GOVERSION); goversion=${goversion#go}
  rm -rf "$dir"; mkdir -p "$dir"
  printf 'module corral.dev/e2e/%s\n\ngo %s\n' "$(basename "$dir")" "${goversion%.*}.0" >"$dir/go.mod"
}

# Binaries are linked to a temporary name and renamed into place, so an interrupted build never leaves a
# file that a later run would take for a finished one.
install_bins() {
  local from=$1 to=$2; shift 2
  mkdir -p "$to"
  local b
  for b in "$@"; do mv -f "$from/$b" "$to/$b"; done
}

build_kubernetes() {
  if have_all "$K8S_BIN" "${k8s_cmds[@]}"; then log "kubernetes $K8S_VERSION: cached"; return; fi
  local mod=$CACHE/src/kubernetes-$K8S_VERSION t0=$SECONDS
  new_module "$mod"
  cd "$mod"
  # k8s.io/kubernetes replaces its staging modules (k8s.io/api, client-go, ...) with ./staging/src/...;
  # those paths do not exist in the module download, so map each to its published v0.X.Y release.
  local staging=v0.${K8S_VERSION#v1.}
  "$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION" >download.json
  local gomod
  gomod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' download.json)
  [[ -f $gomod ]] || die "no go.mod for k8s.io/kubernetes@$K8S_VERSION in the module cache"
  local replaced
  replaced=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$gomod")
  [[ -n $replaced ]] || die "found no staging replacements in $gomod"
  {
    printf '\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
    local m; for m in $replaced; do printf '\t%s => %s %s\n' "$m" "$m" "$staging"; done
    printf ')\n'
  } >>go.mod
  log "kubernetes $K8S_VERSION: $(wc -w <<<"$replaced") staging modules replaced with $staging; resolving"
  local pkgs=() c
  for c in "${k8s_cmds[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  "$GO" get "${pkgs[@]/%/@$K8S_VERSION}"
  # Without the version stamp every binary reports v0.0.0-master and kubectl refuses the server version.
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local ld="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  log "kubernetes $K8S_VERSION: building ${k8s_cmds[*]}"
  mkdir -p out
  "$GO" build -trimpath -ldflags "-s -w$ld" -o out/ "${pkgs[@]}"
  install_bins out "$K8S_BIN" "${k8s_cmds[@]}"
  log "kubernetes $K8S_VERSION: built in $((SECONDS - t0)) s"
}

# Build one Go main package from a module at a version into $dest/$name, with extra -ldflags.
build_simple() {
  local label=$1 module=$2 pkg=$3 version=$4 dest=$5 name=$6 ldflags=${7:-}
  if have_all "$dest" "$name"; then log "$label $version: cached"; return; fi
  local mod=$CACHE/src/$label-$version t0=$SECONDS
  new_module "$mod"
  cd "$mod"
  log "$label $version: resolving"
  "$GO" get "$module@$version"
  log "$label $version: building"
  mkdir -p out
  "$GO" build -trimpath -ldflags "-s -w $ldflags" -o "out/$name" "$pkg"
  install_bins out "$dest" "$name"
  log "$label $version: built in $((SECONDS - t0)) s"
}

components=("$@")
((${#components[@]})) || components=(etcd kubernetes helm)
t_all=$SECONDS
for c in "${components[@]}"; do
  case $c in
    etcd) build_simple etcd go.etcd.io/etcd/server/v3 go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_BIN" etcd ;;
    kubernetes) build_kubernetes ;;
    # Unstamped, helm calls itself "v4.3"; its release builds set the full version the same way.
    helm) build_simple helm helm.sh/helm/v4/cmd/helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION" "$HELM_BIN" helm \
      "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" ;;
    *) die "unknown component '$c' (etcd, kubernetes, helm)" ;;
  esac
done
log "binaries present in $CACHE/bin: ${components[*]} ($((SECONDS - t_all)) s)"
