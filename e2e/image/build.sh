#!/usr/bin/env bash
# Builds the member image localhost/corral:dev from the repository's Dockerfile without a container registry:
# the base image (localhost/corral-base:dev) is assembled from this machine's Node.js binary, the libraries it
# links and npm (with the CA bundle npm trusts here), imported with `podman import`, and passed to the Dockerfile
# as BASE. The base is rebuilt only when its inputs change (node and npm versions, the CA bundle, this script);
# podman's layer cache skips unchanged steps.
#
#   e2e/image/build.sh            # base if needed, then the image
#   CORRAL_IMAGE=... CORRAL_BASE_IMAGE=... e2e/image/build.sh   # other tags
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
base_image=${CORRAL_BASE_IMAGE:-localhost/corral-base:dev}
image=${CORRAL_IMAGE:-localhost/corral:dev}
# runc: crun fails on these machines' cgroups. Explicit limits: runc cannot set the defaults podman asks for here.
podman_run_opts=(--runtime /usr/sbin/runc --ulimit nofile=20000:20000 --ulimit nproc=4096:4096)

node_bin=$(command -v node)
npm_dir=$(dirname "$(readlink -f "$(command -v npm)")")/..
npm_dir=$(cd "$npm_dir" && pwd)
# The CA bundle npm trusts here (a TLS-inspecting proxy's CA may be in it): the build stage's npm ci trusts it too.
cafile=$(npm config get cafile 2>/dev/null || true)
[[ -f "$cafile" ]] || cafile=
inputs=$( { "$node_bin" --version; "$node_bin" "$npm_dir/bin/npm-cli.js" --version; sha256sum < "$0";
  [[ -z "$cafile" ]] || sha256sum < "$cafile"; } | sha256sum | cut -c1-16)

current=$(podman image inspect --format '{{ index .Labels "corral.base.inputs" }}' "$base_image" 2>/dev/null || true)
if [[ "$current" == "$inputs" ]]; then
  echo "base $base_image is up to date (inputs $inputs)"
else
  echo "assembling $base_image from $node_bin ($("$node_bin" --version)) and $npm_dir"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  # A file at the same path inside the image, following symlinks (the libraries' sonames are links).
  copy() { mkdir -p "$root$(dirname "$1")" && cp -L "$1" "$root$1"; }
  copy "$node_bin"
  [[ "$node_bin" == /usr/bin/node ]] || ln -s "$node_bin" "$root/usr/bin/node"
  # env runs the bins' `#!/usr/bin/env node` lines (npm's, and the image's commands on PATH); dash is the /bin/sh
  # npm runs package scripts with (`npm run build` in the build stage).
  copy /usr/bin/env
  copy "$(readlink -f /bin/dash)"
  mkdir -p "$root/bin" && ln -s "$(readlink -f /bin/dash)" "$root/bin/sh"
  # The libraries ldd lists (libc, libstdc++, libgcc_s, libm, ...) and the dynamic loader, at their own paths.
  for lib in $(ldd "$node_bin" /usr/bin/env /bin/dash | grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do copy "$lib"; done
  # npm, for the Dockerfile's build stage (npm ci).
  mkdir -p "$root/usr/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
  # npm's builtin config (beside npm itself): read by npm only; node in the image keeps its own CA set.
  printf 'update-notifier=false\n' > "$root/usr/lib/node_modules/npm/npmrc"
  if [[ -n "$cafile" ]]; then
    copy "$cafile"
    printf 'cafile=%s\n' "$cafile" >> "$root/usr/lib/node_modules/npm/npmrc"
  fi
  # What glibc and npm look up: users (root, and node as in the official image), /etc/hosts before DNS, a /tmp.
  mkdir -p "$root/etc" "$root/root" "$root/home/node" "$root/tmp"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnode:x:1000:1000::/home/node:/usr/sbin/nologin\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' > "$root/etc/group"
  printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
  chown 1000:1000 "$root/home/node"
  tar -C "$root" -c . | podman import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change "LABEL corral.base.inputs=$inputs" \
    - "$base_image" > /dev/null
  rm -rf "$root"
  trap - EXIT
  echo "imported $base_image ($(podman image inspect --format '{{.Size}}' "$base_image") bytes)"
fi

# The build stage runs npm ci, so it needs the network (the npm registry); host networking as for the containers.
podman build "${podman_run_opts[@]}" --network host \
  --build-arg "BASE=$base_image" \
  -t "$image" "$repo"
echo "built $image ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
