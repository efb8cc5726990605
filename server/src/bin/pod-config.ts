// corral-pod's configuration: what it reads from its environment (where zoo.cfg is, which server id a first start
// takes, which address the member binds, the pod's own zoo.cfg lines, the super user's digest) and the zoo.cfg
// loaded with them. The environment is passed in, so every rule is tested without a container.
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ConfigError, isSuperDigest, MAX_SERVER_ID, parseConfig, parseProperties, readConfigText, writeMyId, type LoadedConfig } from '../config/index.js';
import { KeyReader } from '../config/key-reader.js';

export const DEFAULT_CONFIG_PATH = '/etc/corral/zoo.cfg';

export interface PodSettings {
  configPath: string;
  /** The id written to dataDir/myid when it does not exist yet; undefined when the environment names none. */
  serverId: number | undefined;
  /** Where the wildcard listeners bind (the pod's IP); undefined keeps zoo.cfg's addresses. */
  bindAddress: string | undefined;
  /** zoo.cfg lines particular to this pod (its initial server lines, its connection limits), added to the file's. */
  configLines: string | undefined;
  /** DigestAuthenticationProvider.superDigest, kept out of every configuration dump and log. */
  superDigest: string | undefined;
}

const SUPER_DIGEST_KEY = 'DigestAuthenticationProvider.superDigest';

type Env = Readonly<Record<string, string | undefined>>;

/** A pod name such as `mycluster-3`: the number after the last dash is the server id. */
const TRAILING_ID = /-(\d+)$/;

/**
 * - zoo.cfg: the first argument, else CORRAL_CONFIG, else /etc/corral/zoo.cfg.
 * - server id: CORRAL_SERVER_ID, else the trailing `-N` of POD_NAME, else of HOSTNAME (Kubernetes sets it to the
 *   pod's name or spec.hostname).
 * - bind address: CORRAL_BIND_ADDRESS, else POD_IP (from the downward API, status.podIP).
 * - CORRAL_CONFIG_LINES: zoo.cfg lines added to the file's (the operator's per-pod server lines and limits).
 * - CORRAL_SUPER_DIGEST: the super user's `user:base64-sha1-digest` (from a Secret).
 * An empty variable counts as unset; a set but malformed one is an error, never silently skipped.
 */
export function podSettings(env: Env, configArg?: string): PodSettings {
  const superDigest = env.CORRAL_SUPER_DIGEST || undefined;
  // The value is a secret: the message says what is wrong with it without printing it.
  if (superDigest !== undefined && !isSuperDigest(superDigest)) {
    throw new ConfigError('CORRAL_SUPER_DIGEST is not of the form user:base64-sha1-digest', 'CORRAL_SUPER_DIGEST');
  }
  return {
    configPath: configArg || env.CORRAL_CONFIG || DEFAULT_CONFIG_PATH,
    serverId: serverIdFrom(env),
    bindAddress: bindAddressFrom(env),
    configLines: env.CORRAL_CONFIG_LINES || undefined,
    superDigest,
  };
}

function serverIdFrom(env: Env): number | undefined {
  if (env.CORRAL_SERVER_ID) return checkedId('CORRAL_SERVER_ID', env.CORRAL_SERVER_ID, env.CORRAL_SERVER_ID);
  for (const key of ['POD_NAME', 'HOSTNAME'] as const) {
    const match = env[key]?.match(TRAILING_ID);
    if (match) return checkedId(key, env[key]!, match[1]!);
  }
  return undefined;
}

function checkedId(key: string, value: string, digits: string): number {
  const id = /^\d+$/.test(digits) ? Number(digits) : NaN;
  if (!(id >= 1 && id <= MAX_SERVER_ID)) {
    throw new ConfigError(`${key}='${value}' does not give a server id from 1 to ${MAX_SERVER_ID}; set CORRAL_SERVER_ID`, key);
  }
  return id;
}

function bindAddressFrom(env: Env): string | undefined {
  const key = env.CORRAL_BIND_ADDRESS ? 'CORRAL_BIND_ADDRESS' : 'POD_IP';
  const address = env[key];
  if (!address) return undefined;
  if (isIP(address) === 0) throw new ConfigError(`${key}='${address}' is not an IP address`, key);
  return address;
}

/**
 * Loads zoo.cfg with the pod's settings. An ensemble member without dataDir/myid takes the environment's id and
 * writes it to myid (after the configuration proved valid with it), so the id stays with the data from then on;
 * an existing myid wins, with a warning when the environment disagrees.
 */
export function loadPodConfig(pod: PodSettings): LoadedConfig & { wroteMyId: boolean } {
  let loaded: LoadedConfig;
  try {
    loaded = parseConfig(podConfigText(pod), { bindAddress: pod.bindAddress, defaultServerId: pod.serverId });
  } catch (err) {
    if (err instanceof ConfigError && err.key === 'myid' && pod.serverId === undefined) {
      throw new ConfigError(`${err.message}; or set CORRAL_SERVER_ID, or name the pod <name>-<id>`, 'myid');
    }
    throw err;
  }
  if (pod.superDigest !== undefined) loaded.config.superDigest = pod.superDigest;
  const { config, warnings } = loaded;
  if (config.standalone) return { ...loaded, wroteMyId: false };
  if (!existsSync(join(config.dataDir, 'myid'))) {
    writeMyId(config.dataDir, config.serverId);
    return { ...loaded, wroteMyId: true };
  }
  if (pod.serverId !== undefined && pod.serverId !== config.serverId) {
    warnings.push({ key: 'myid', message: `dataDir/myid holds ${config.serverId} but the environment gives ${pod.serverId}; myid wins` });
  }
  return { ...loaded, wroteMyId: false };
}

/**
 * zoo.cfg's text with CORRAL_CONFIG_LINES after it. A key set in both places (or the super digest in zoo.cfg and in
 * CORRAL_SUPER_DIGEST) is an error naming both: which one was meant to win is not for the member to guess.
 */
function podConfigText(pod: PodSettings): string {
  const text = readConfigText(pod.configPath);
  const keysOf = (t: string) => new Set(new KeyReader(parseProperties(t), []).keys());
  const fileKeys = keysOf(text);
  const lineKeys = keysOf(pod.configLines ?? '');
  const both = [...lineKeys].find((k) => fileKeys.has(k));
  if (both !== undefined) throw new ConfigError(`${both} is set both in ${pod.configPath} and in CORRAL_CONFIG_LINES; set it in one place`, both);
  if (pod.superDigest !== undefined && (fileKeys.has(SUPER_DIGEST_KEY) || lineKeys.has(SUPER_DIGEST_KEY))) {
    const where = fileKeys.has(SUPER_DIGEST_KEY) ? pod.configPath : 'CORRAL_CONFIG_LINES';
    throw new ConfigError(`${SUPER_DIGEST_KEY} is set both in ${where} and in CORRAL_SUPER_DIGEST; set it in one place`, SUPER_DIGEST_KEY);
  }
  if (pod.configLines === undefined) return text;
  return `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${pod.configLines}\n`;
}
