import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Paths of the external programs the compatibility tests drive. Each lookup throws a message that says
 * what is missing and how to install it, so a machine without the tool fails the test instead of skipping it.
 */
const INSTALL_HINT = 'run `bash .ci/run` (or apt-get install zookeeper zookeeper-bin python3-kazoo golang-go)';

function requireExecutable(path: string, what: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${what} not found at ${path}: ${INSTALL_HINT}`);
  }
  return path;
}

export function javaPath(): string {
  return requireExecutable(process.env.JAVA ?? '/usr/bin/java', 'java (needed to run Apache ZooKeeper)');
}

/** Class path of the Debian ZooKeeper jar; its manifest names the dependency jars in /usr/share/java. */
export function zookeeperClassPath(): string {
  const jar = '/usr/share/java/zookeeper.jar';
  if (!existsSync(jar)) throw new Error(`Apache ZooKeeper jar not found at ${jar}: ${INSTALL_HINT}`);
  return jar;
}

export function cliMtPath(): string {
  return requireExecutable('/usr/lib/zookeeper/bin/cli_mt', 'ZooKeeper C client shell cli_mt');
}

export function zkCliPath(): string {
  return requireExecutable('/usr/share/zookeeper/bin/zkCli.sh', 'ZooKeeper Java shell zkCli.sh');
}

/** The Go toolchain (for the Go client's compatibility test): GO, else the official or the Debian install. */
export function goPath(): string {
  const candidates = [process.env.GO, '/usr/local/go/bin/go', '/usr/bin/go'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  return requireExecutable(found ?? candidates[0]!, 'Go toolchain (go)');
}

/**
 * The Python that has kazoo: the Debian interpreter by default, since the default `python3` on PATH may
 * be a pyenv build without it. KAZOO_PYTHON overrides.
 */
export function kazooPythonPath(): string {
  return requireExecutable(process.env.KAZOO_PYTHON ?? '/usr/bin/python3', 'python3 with kazoo');
}

/**
 * helm, for the chart tests: HELM, else the binary e2e/cluster/build.sh keeps in the test bed's cache (the
 * version pinned in e2e/cluster/lib.sh), else `helm` on PATH. Undefined when there is none.
 */
export function findHelm(): string | undefined {
  const libSh = readFileSync(new URL('../e2e/cluster/lib.sh', import.meta.url), 'utf8');
  const version = /^HELM_VERSION=(\S+)$/m.exec(libSh)?.[1];
  const cache = process.env.CORRAL_E2E_CACHE ?? '/var/cache/corral-e2e';
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'helm'));
  return [process.env.HELM, version && join(cache, 'bin', `helm-${version}`, 'helm'), ...onPath].find(
    (p): p is string => !!p && isExecutable(p),
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
