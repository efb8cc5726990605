# Corral's image: one image, two commands. `corral-pod` (the default) runs a member on /etc/corral/zoo.cfg (a
# standalone member on /data unless a zoo.cfg is mounted there); every bin of package.json is on PATH, so the
# operator's entry point is there too once package.json lists it.
#
#   docker build -t corral .                                   (runtime base: the official node:20-slim)
#   podman build --build-arg BASE=my-registry/node:20 -t corral .
#
# BASE is the runtime base (Node.js 20); BUILD_BASE, for the build stages, needs npm and a /bin/sh for npm's
# scripts too, and defaults to BASE. The runtime stage runs nothing, so its base needs no shell.
ARG BASE=node:20-slim
ARG BUILD_BASE=${BASE}

# Production dependencies alone, cached until the lockfile changes. --ignore-scripts: npm runs lifecycle scripts
# through /bin/sh, and none is needed (msgpackr's optional native addon ships prebuilt, and `prepare` would
# compile here; the build stage does that).
FROM ${BUILD_BASE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN ["npm", "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"]
# Type declarations and source maps serve no purpose at run time: half of node_modules (@kubernetes/client-node).
RUN ["node", "-e", "const fs = require('fs'); for (const f of fs.readdirSync('node_modules', { recursive: true })) { const p = 'node_modules/' + f; if (/\\.(d\\.[cm]?ts|map)$/.test(f) && fs.lstatSync(p).isFile()) fs.rmSync(p); }"]

# Compile. The context is an allowlist (.dockerignore): manifests, tsconfig.json and the source folders.
FROM ${BUILD_BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
COPY . .
RUN ["npm", "run", "build"]
# bin/<name> -> the compiled file, for every bin in package.json (what `npm link` would put on PATH).
RUN ["node", "-e", "const fs = require('fs'); fs.mkdirSync('bin'); for (const [name, file] of Object.entries(require('./package.json').bin)) { fs.chmodSync(file, 0o755); fs.symlinkSync('../' + file, 'bin/' + name); }"]
# The default data directory, handed to the runtime user below (a fresh Docker volume mounted there inherits it).
RUN ["node", "-e", "require('fs').mkdirSync('/data')"]

FROM ${BASE}
WORKDIR /app
ENV NODE_ENV=production PATH=/app/bin:$PATH
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/dist dist
COPY --from=build /app/bin bin
COPY conf/zoo.cfg /etc/corral/zoo.cfg
COPY --from=build --chown=1000:1000 /data /data
# Not root. A numeric id, so Kubernetes can check runAsNonRoot; 1000 is the `node` user of the official image.
# Data volumes must be writable by it (fsGroup: 1000 in a pod's securityContext).
USER 1000:1000
# A member that gets SIGTERM hands leadership over before it exits; exec form below, so node gets the signal.
STOPSIGNAL SIGTERM
# client, quorum, AdminServer, Prometheus metrics
EXPOSE 2181 2888 8080 7000
CMD ["corral-pod"]
