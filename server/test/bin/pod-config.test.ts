import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPodConfig, podSettings, type PodSettings } from '../../src/bin/pod-config.js';
import { ConfigError } from '../../src/config/errors.js';

describe('podSettings', () => {
  it('reads zoo.cfg from the argument, else CORRAL_CONFIG, else /etc/corral/zoo.cfg', () => {
    expect(podSettings({ CORRAL_CONFIG: '/c/zoo.cfg' }, '/a/zoo.cfg').configPath).toBe('/a/zoo.cfg');
    expect(podSettings({ CORRAL_CONFIG: '/c/zoo.cfg' }).configPath).toBe('/c/zoo.cfg');
    expect(podSettings({ CORRAL_CONFIG: '' }).configPath).toBe('/etc/corral/zoo.cfg');
  });

  it('takes the server id from CORRAL_SERVER_ID, else the trailing -N of POD_NAME, else of HOSTNAME', () => {
    expect(podSettings({ CORRAL_SERVER_ID: '7', POD_NAME: 'zk-3', HOSTNAME: 'zk-2' }).serverId).toBe(7);
    expect(podSettings({ POD_NAME: 'my-cluster-12', HOSTNAME: 'zk-2' }).serverId).toBe(12);
    expect(podSettings({ CORRAL_SERVER_ID: '', POD_NAME: 'operator', HOSTNAME: 'zk-2' }).serverId).toBe(2);
    // A host name without a -N suffix (a laptop, a host-network container) names no id rather than a wrong one.
    expect(podSettings({ HOSTNAME: 'build42' }).serverId).toBeUndefined();
    expect(podSettings({}).serverId).toBeUndefined();
  });

  it('refuses ids outside 1..255 and a malformed CORRAL_SERVER_ID, naming the variable', () => {
    const error = (env: Record<string, string>) => {
      try {
        podSettings(env);
      } catch (err) {
        if (err instanceof ConfigError) return err;
      }
      throw new Error('expected a ConfigError');
    };
    expect(error({ CORRAL_SERVER_ID: 'one' })).toMatchObject({ key: 'CORRAL_SERVER_ID', message: expect.stringMatching(/'one' does not give a server id from 1 to 255/) });
    expect(error({ POD_NAME: 'zk-0' })).toMatchObject({ key: 'POD_NAME', message: expect.stringMatching(/zk-0.*set CORRAL_SERVER_ID/) });
    expect(error({ HOSTNAME: 'zk-256' }).key).toBe('HOSTNAME');
    expect(error({ POD_IP: 'zk-1.zk' })).toMatchObject({ key: 'POD_IP', message: "POD_IP='zk-1.zk' is not an IP address" });
  });

  it('takes CORRAL_CONFIG_LINES and CORRAL_SUPER_DIGEST, and refuses a malformed digest without printing it', () => {
    const settings = podSettings({ CORRAL_CONFIG_LINES: 'maxCnxns=5', CORRAL_SUPER_DIGEST: 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=' });
    expect(settings).toMatchObject({ configLines: 'maxCnxns=5', superDigest: 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=' });
    expect(podSettings({ CORRAL_CONFIG_LINES: '', CORRAL_SUPER_DIGEST: '' })).toMatchObject({ configLines: undefined, superDigest: undefined });
    expect(() => podSettings({ CORRAL_SUPER_DIGEST: 'no-colon-secret' })).toThrow(
      expect.objectContaining({ key: 'CORRAL_SUPER_DIGEST', message: expect.not.stringContaining('no-colon-secret') }),
    );
  });

  it('binds to CORRAL_BIND_ADDRESS, else POD_IP', () => {
    expect(podSettings({ CORRAL_BIND_ADDRESS: '0.0.0.0', POD_IP: '127.1.0.3' }).bindAddress).toBe('0.0.0.0');
    expect(podSettings({ POD_IP: '127.1.0.3' }).bindAddress).toBe('127.1.0.3');
    expect(podSettings({ POD_IP: 'fd00::3' }).bindAddress).toBe('fd00::3');
    expect(podSettings({}).bindAddress).toBeUndefined();
  });
});

describe('loadPodConfig', () => {
  let dir: string;
  let dataDir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'corral-pod-'));
    dataDir = join(dir, 'data', 'zk');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeCfg = (...lines: string[]) => {
    const path = join(dir, 'zoo.cfg');
    writeFileSync(path, [`dataDir=${dataDir}`, ...lines].join('\n'));
    return path;
  };
  const ensembleCfg = () =>
    writeCfg('initLimit=10', 'syncLimit=5', 'quorumListenOnAllIPs=true', ...[1, 2, 3].map((id) => `server.${id}=zk-${id}.zk-hs:2888:3888;2181`));
  const pod = (configPath: string, serverId: number | undefined, env: Partial<PodSettings> = {}): PodSettings => ({
    configPath,
    serverId,
    bindAddress: '127.1.0.2',
    configLines: undefined,
    superDigest: undefined,
    ...env,
  });
  const myId = () => readFileSync(join(dataDir, 'myid'), 'utf8');

  it('writes myid on an ensemble member\'s first start (dataDir created), then keeps it', () => {
    const cfg = ensembleCfg();
    const first = loadPodConfig(pod(cfg, 2));
    expect(first).toMatchObject({ wroteMyId: true, config: { serverId: 2, clientPortAddress: '127.1.0.2', quorumListenAddress: '127.1.0.2' } });
    expect(myId()).toBe('2\n');
    const again = loadPodConfig(pod(cfg, 2));
    expect(again.wroteMyId).toBe(false);
    expect(again.warnings).toEqual([]);
  });

  it('lets an existing myid win over the environment, with a warning', () => {
    const cfg = ensembleCfg();
    loadPodConfig(pod(cfg, 1));
    const moved = loadPodConfig(pod(cfg, 3));
    expect(moved.config.serverId).toBe(1);
    expect(moved.warnings).toEqual([{ key: 'myid', message: 'dataDir/myid holds 1 but the environment gives 3; myid wins' }]);
    expect(myId()).toBe('1\n');
  });

  it('writes nothing when the id is not among the server lines, or when none is known', () => {
    const cfg = ensembleCfg();
    expect(() => loadPodConfig(pod(cfg, 4))).toThrow(/no server\.4 line/);
    expect(() => loadPodConfig(pod(cfg, undefined))).toThrow(/myid is missing.*set CORRAL_SERVER_ID, or name the pod <name>-<id>/);
    expect(existsSync(join(dataDir, 'myid'))).toBe(false);
  });

  it('writes no myid for a standalone member', () => {
    const loaded = loadPodConfig(pod(writeCfg('clientPort=2181'), 1));
    expect(loaded).toMatchObject({ wroteMyId: false, config: { standalone: true, clientPortAddress: '127.1.0.2' } });
    expect(existsSync(join(dataDir, 'myid'))).toBe(false);
  });

  describe('the pod\'s own lines and the super digest', () => {
    const digest = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=';
    const servers = [1, 2, 3].map((id) => `server.${id}=zk-${id}.zk-hs:2888:3888:participant;2181`).join('\n');
    const commonCfg = () => writeCfg('initLimit=10', 'syncLimit=5', 'quorumListenOnAllIPs=true', 'maxClientCnxns=60');

    it('adds CORRAL_CONFIG_LINES to the file: server lines and connection limits from the environment', () => {
      const cfg = writeCfg('initLimit=10', 'syncLimit=5', 'quorumListenOnAllIPs=true');
      const loaded = loadPodConfig(pod(cfg, 2, { configLines: `${servers}\nmaxClientCnxns=7\nmaxCnxns=40` }));
      expect(loaded.config).toMatchObject({ serverId: 2, maxClientCnxns: 7, maxCnxns: 40, standalone: false });
      expect(loaded.config.servers.map((s) => `${s.id}:${s.host}`)).toEqual(['1:zk-1.zk-hs', '2:zk-2.zk-hs', '3:zk-3.zk-hs']);
      expect(loaded.warnings).toEqual([]);
      // icfg shows what the member started from: the file and the pod's lines.
      expect(loaded.config.initialConfig).toContain('maxCnxns=40');
    });

    it('refuses a key set both in zoo.cfg and in CORRAL_CONFIG_LINES, naming both places', () => {
      const cfg = commonCfg();
      expect(() => loadPodConfig(pod(cfg, 2, { configLines: `${servers}\nmaxClientCnxns=7` }))).toThrow(
        expect.objectContaining({ key: 'maxClientCnxns', message: `maxClientCnxns is set both in ${cfg} and in CORRAL_CONFIG_LINES; set it in one place` }),
      );
      // zookeeper.<key> is the same key.
      const prefixed = writeCfg('clientPort=2181', 'zookeeper.maxCnxns=3');
      expect(() => loadPodConfig(pod(prefixed, 1, { configLines: 'maxCnxns=4' }))).toThrow(/maxCnxns is set both in .*zoo\.cfg and in CORRAL_CONFIG_LINES/);
      expect(existsSync(join(dataDir, 'myid'))).toBe(false);
    });

    it('sets the super digest from CORRAL_SUPER_DIGEST and keeps it out of the configuration dump (icfg)', () => {
      const loaded = loadPodConfig(pod(commonCfg(), 1, { configLines: servers, superDigest: digest }));
      expect(loaded.config.superDigest).toBe(digest);
      expect(loaded.config.initialConfig).not.toContain('superDigest');
      expect(JSON.stringify(loaded.warnings)).not.toContain(digest);
    });

    it('refuses a super digest in zoo.cfg or CORRAL_CONFIG_LINES as well as in CORRAL_SUPER_DIGEST', () => {
      const inFile = writeCfg('clientPort=2181', `DigestAuthenticationProvider.superDigest=${digest}`);
      expect(() => loadPodConfig(pod(inFile, 1, { superDigest: digest }))).toThrow(
        `DigestAuthenticationProvider.superDigest is set both in ${inFile} and in CORRAL_SUPER_DIGEST; set it in one place`,
      );
      const inLines = writeCfg('clientPort=2181');
      expect(() => loadPodConfig(pod(inLines, 1, { configLines: `zookeeper.DigestAuthenticationProvider.superDigest=${digest}`, superDigest: digest }))).toThrow(
        /set both in CORRAL_CONFIG_LINES and in CORRAL_SUPER_DIGEST/,
      );
    });
  });
});
