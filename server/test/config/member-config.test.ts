import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOUR_LETTER_WORD_NAMES } from '../../../protocol/src/framing.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, noOwnServerLine, ownIdentity, parseConfig, type LoadedConfig, type ParseOptions } from '../../src/config/member-config.js';
import { parseServerSpec } from '../../src/config/server-line.js';

let dir: string;
let dataDir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'corral-config-'));
  dataDir = join(dir, 'data');
  mkdirSync(dataDir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const parse = (...lines: string[]): LoadedConfig => parseConfig([`dataDir=${dataDir}`, ...lines].join('\n'), { baseDir: dir });
const warningKeys = (loaded: LoadedConfig) => loaded.warnings.map((w) => w.key);
const ensemble = [
  'initLimit=10',
  'syncLimit=5',
  'server.1=127.0.0.1:2888:3888;2181',
  'server.2=127.0.0.2:2888:3888;2181',
  'server.3=127.0.0.3:2888:3888:neverleader;2181',
];
const setMyId = (text: string) => writeFileSync(join(dataDir, 'myid'), text);

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('fills every field as ZooKeeper does for a minimal standalone zoo.cfg', () => {
    const { config, warnings } = parse('clientPort=2181');
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      dataDir,
      dataLogDir: dataDir,
      tickTime: 3000,
      initLimit: 0,
      syncLimit: 0,
      connectToLearnerMasterLimit: 0,
      clientPort: 2181,
      clientPortAddress: '0.0.0.0',
      clientPortListenBacklog: -1,
      maxClientCnxns: 60,
      maxCnxns: 0,
      minSessionTimeout: 6000,
      maxSessionTimeout: 60000,
      snapCount: 100000,
      snapRetainCount: 3,
      purgeInterval: 0,
      standalone: true,
      serverId: 0,
      role: 'participant',
      servers: [],
      configVersion: 0,
      standaloneEnabled: true,
      reconfigEnabled: false,
      dynamicConfigFile: undefined,
      quorumListenOnAllIPs: false,
      syncEnabled: true,
      localSessionsEnabled: false,
      localSessionsUpgradingEnabled: false,
      forceSync: true,
      globalOutstandingLimit: 1000,
      admin: { enableServer: true, serverAddress: '0.0.0.0', serverPort: 8080, idleTimeout: 30000, commandURL: '/commands' },
      metrics: { httpHost: '0.0.0.0', httpPort: 7000 },
      superDigest: undefined,
      enforceQuota: false,
      extendedTypesEnabled: false,
      emulate353TTLNodes: false,
      readOnlyModeEnabled: false,
      juteMaxBuffer: 0xfffff,
      skipACL: false,
    });
    expect([...config.fourLetterWords]).toEqual(['srvr']);
  });

  it('derives the session timeout bounds from tickTime unless set (-1 also means unset)', () => {
    expect(parse('clientPort=1', 'tickTime=2000').config).toMatchObject({ minSessionTimeout: 4000, maxSessionTimeout: 40000 });
    expect(parse('clientPort=1', 'tickTime=2000', 'minSessionTimeout=-1', 'maxSessionTimeout=100000').config)
      .toMatchObject({ minSessionTimeout: 4000, maxSessionTimeout: 100000 });
  });

  it('reads every supported key', () => {
    const { config, warnings } = parse(
      `dataLogDir=${join(dir, 'log')}`,
      'clientPort=2281', 'clientPortAddress=127.0.0.1', 'clientPortListenBacklog=100',
      'tickTime=500', 'maxClientCnxns=0', 'minSessionTimeout=1000', 'maxSessionTimeout=9000',
      'snapCount=50', 'autopurge.snapRetainCount=5', 'autopurge.purgeInterval=24',
      'reconfigEnabled=true', 'quorumListenOnAllIPs=true', 'syncEnabled=false',
      'localSessionsEnabled=true', 'localSessionsUpgradingEnabled=TRUE', 'forceSync=no', 'globalOutstandingLimit=5',
      '4lw.commands.whitelist=stat, ruok ,conf', 'admin.enableServer=false', 'admin.serverAddress=127.0.0.1',
      'admin.serverPort=9090', 'admin.idleTimeout=5000', 'admin.commandURL=/cmd', 'metricsProvider.httpHost=127.0.0.1',
      'metricsProvider.httpPort=7001', 'DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=',
      'enforceQuota=true', 'extendedTypesEnabled=true', 'emulate353TTLNodes=true', 'readonlymode.enabled=true',
      'jute.maxbuffer=0x400000', 'maxCnxns=100', 'skipACL=yes', 'electionAlg=3',
      'metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
    );
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      dataLogDir: join(dir, 'log'), clientPort: 2281, clientPortAddress: '127.0.0.1', clientPortListenBacklog: 100,
      tickTime: 500, maxClientCnxns: 0, minSessionTimeout: 1000, maxSessionTimeout: 9000, snapCount: 50,
      snapRetainCount: 5, purgeInterval: 24, reconfigEnabled: true, quorumListenOnAllIPs: true, syncEnabled: false,
      localSessionsEnabled: true, localSessionsUpgradingEnabled: true, forceSync: false, globalOutstandingLimit: 5,
      admin: { enableServer: false, serverAddress: '127.0.0.1', serverPort: 9090, idleTimeout: 5000, commandURL: '/cmd' },
      metrics: { httpHost: '127.0.0.1', httpPort: 7001 }, superDigest: 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=',
      enforceQuota: true, extendedTypesEnabled: true, emulate353TTLNodes: true, readOnlyModeEnabled: true,
      juteMaxBuffer: 0x400000, maxCnxns: 100, skipACL: true,
    });
    expect([...config.fourLetterWords].sort()).toEqual(['conf', 'isro', 'ruok', 'srvr', 'stat']);
  });

  it('enables every four-letter word with *', () => {
    const words = parse('clientPort=1', '4lw.commands.whitelist=*').config.fourLetterWords;
    expect(words).toEqual(new Set(FOUR_LETTER_WORD_NAMES));
    expect(words.has('hash')).toBe(true);
    expect(words.has('mntr') && words.has('wchc') && words.has('ruok')).toBe(true);
  });

  it('accepts the system-property spelling zookeeper.<key>', () => {
    const { config, warnings } = parse(
      'clientPort=1', 'zookeeper.enforceQuota=true', 'zookeeper.jute.maxbuffer=4194304',
      'zookeeper.4lw.commands.whitelist=ruok', 'zookeeper.admin.serverPort=9999', 'zookeeper.skipACL=yes',
    );
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({ enforceQuota: true, juteMaxBuffer: 4194304, skipACL: true });
    expect(config.admin.serverPort).toBe(9999);
    expect(config.fourLetterWords.has('ruok')).toBe(true);
  });

  it('trims keys and values and resolves relative paths against baseDir, with a warning', () => {
    const { config, warnings } = parseConfig('  dataDir =  data  \nclientPort = 2181 \t', { baseDir: dir });
    expect(config.dataDir).toBe(dataDir);
    expect(config.clientPort).toBe(2181);
    expect(warningKeys({ config, warnings })).toEqual(['dataDir']);
  });

  it('clamps snapCount and autopurge.snapRetainCount as ZooKeeper does, with warnings', () => {
    const loaded = parse('clientPort=1', 'snapCount=1', 'autopurge.snapRetainCount=1', 'autopurge.purgeInterval=-5');
    expect(loaded.config).toMatchObject({ snapCount: 2, snapRetainCount: 3, purgeInterval: 0 });
    expect(warningKeys(loaded)).toEqual(['snapCount', 'autopurge.snapRetainCount']);
  });
});

describe('validation errors name the key and the value', () => {
  it.each([
    [['tickTime=fast'], 'tickTime', /tickTime: invalid value 'fast'/],
    [['tickTime=0'], 'tickTime', /tickTime: invalid value '0'/],
    [['clientPort=21x81'], 'clientPort', /clientPort: invalid value '21x81'/],
    [['clientPort=65536'], 'clientPort', /invalid value '65536'.*0 to 65535/],
    [['maxClientCnxns=-1'], 'maxClientCnxns', /maxClientCnxns: invalid value '-1'/],
    [['minSessionTimeout=5000', 'maxSessionTimeout=4000'], 'minSessionTimeout', /minSessionTimeout \(5000\) must not be larger than maxSessionTimeout \(4000\)/],
    [['tickTime=1000', 'maxSessionTimeout=1000'], 'maxSessionTimeout', /minSessionTimeout \(2000\).*maxSessionTimeout \(1000\)/],
    [['standaloneEnabled=maybe'], 'standaloneEnabled', /standaloneEnabled: invalid value 'maybe'.*'true' or 'false'/],
    [['forceSync=true'], 'forceSync', /forceSync: invalid value 'true'.*'yes' or 'no'/],
    [['jute.maxbuffer=big'], 'jute.maxbuffer', /jute.maxbuffer: invalid value 'big'/],
    [['admin.serverPort=0x1ffff'], 'admin.serverPort', /admin.serverPort: invalid value '0x1ffff'/],
    [['metricsProvider.httpPort=-1'], 'metricsProvider.httpPort', /invalid value '-1'/],
    [['electionAlg=1'], 'electionAlg', /electionAlg: invalid value '1'/],
    [['peerType=leader'], 'peerType', /peerType: invalid value 'leader'.*neverleader/],
    [['clientPortAddress=127.0.0.1'], 'clientPortAddress', /clientPortAddress is set \('127.0.0.1'\) but clientPort is not set/],
    [[], 'clientPort', /clientPort is not set/],
    [['DigestAuthenticationProvider.superDigest=nocolon'], 'DigestAuthenticationProvider.superDigest', /invalid value 'nocolon'/],
    [['server.1=bad'], 'server.1', /server.1: invalid value 'bad'/],
    [['group.1=1:2:3'], 'group.1', /hierarchical quorums/],
  ])('%j', (lines, key, message) => {
    const err = configError(() => parse(...(lines as string[]), ...(lines.some((l) => l.startsWith('clientPort')) || key === 'clientPort' ? [] : ['clientPort=2181'])));
    expect(err.key).toBe(key);
    expect(err.message).toMatch(message);
  });

  it('requires dataDir', () => {
    const err = configError(() => parseConfig('clientPort=2181\n'));
    expect(err).toMatchObject({ key: 'dataDir', message: 'dataDir is not set' });
  });

  it('reports a missing configuration file', () => {
    expect(configError(() => loadConfig(join(dir, 'nope.cfg'))).message).toMatch(/cannot read configuration file .*nope\.cfg/);
  });
});

describe('warnings', () => {
  it('warns about unknown keys and Java-only keys but keeps going', () => {
    const loaded = parse(
      'clientPort=2181', 'bogusKey=1', 'authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider',
      'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory', 'ssl.keyStore.location=/k.jks',
      'secureClientPort=2281', 'metricsProvider.className=com.example.Metrics', 'electionPortBindRetry=3',
      'jvm.pause.monitor=true', 'zookeeper.bogus=1',
    );
    const byKey = new Map(loaded.warnings.map((w) => [w.key, w.message]));
    expect([...byKey.keys()].sort()).toEqual([
      'authProvider.1', 'bogusKey', 'electionPortBindRetry', 'jvm.pause.monitor', 'metricsProvider.className',
      'secureClientPort', 'serverCnxnFactory', 'ssl.keyStore.location', 'zookeeper.bogus',
    ]);
    expect(byKey.get('bogusKey')).toMatch(/unknown key bogusKey/);
    expect(byKey.get('authProvider.1')).toMatch(/Java class/);
    expect(byKey.get('secureClientPort')).toMatch(/not supported/);
    expect(byKey.get('metricsProvider.className')).toMatch(/com\.example\.Metrics.*Prometheus/);
    for (const [key, message] of byKey) expect(message).toContain(key);
  });

  it('warns about keys given twice and keeps the last value', () => {
    const loaded = parse('clientPort=2181', 'tickTime=1000', 'zookeeper.enforceQuota=false', 'tickTime=2000', 'enforceQuota=true');
    expect(loaded.config.tickTime).toBe(2000);
    expect(loaded.config.enforceQuota).toBe(true);
    expect(loaded.warnings.map((w) => w.message)).toEqual([
      'tickTime is set on line 3 and again on line 5; the last value wins',
      'enforceQuota is set on line 4 and again on line 6; the last value wins',
    ]);
  });

  it('warns about unknown four-letter words in the whitelist', () => {
    expect(warningKeys(parse('clientPort=1', '4lw.commands.whitelist=ruok,xyzw'))).toEqual(['4lw.commands.whitelist']);
  });
});

describe('ensembles and myid', () => {
  it('reads myid and the server lines, taking the client address from the own line', () => {
    setMyId('2\n');
    const { config, warnings } = parse(...ensemble);
    expect(config).toMatchObject({ standalone: false, serverId: 2, role: 'participant', clientPort: 2181, clientPortAddress: '0.0.0.0', initLimit: 10, syncLimit: 5 });
    expect(config.servers.map((s) => [s.id, s.role])).toEqual([[1, 'participant'], [2, 'participant'], [3, 'neverleader']]);
    expect(warnings).toEqual([]);
  });

  it('knows a neverleader member\'s own role', () => {
    setMyId('3');
    expect(parse(...ensemble).config.role).toBe('neverleader');
  });

  it('fails clearly when myid is missing or malformed', () => {
    expect(configError(() => parse(...ensemble))).toMatchObject({ key: 'myid', message: expect.stringMatching(/myid is missing.*\(1, 2, 3\)/) });
    setMyId('two');
    expect(configError(() => parse(...ensemble)).message).toMatch(/myid: .*myid holds 'two', expected a server id from 1 to 255/);
    setMyId('0');
    expect(configError(() => parse(...ensemble)).key).toBe('myid');
  });

  it('leaves a myid without a server line to the configuration the data dir holds, warning', () => {
    // A member added by reconfig, restarted with the file from before: the member settles its line at start.
    setMyId('7');
    const loaded = parse(...ensemble, 'clientPort=2181');
    expect(loaded.config).toMatchObject({ serverId: 7, clientPort: 2181, quorumListenAddress: undefined });
    expect(loaded.warnings).toEqual([
      { key: 'myid', message: expect.stringMatching(/holds 7, but there is no server\.7 line \(server ids: 1, 2, 3\); .*configuration its data dir holds/) },
    ]);
  });

  it('settles the own identity from whichever server line it is given', () => {
    setMyId('7');
    const { config } = parse(...ensemble, 'clientPort=2181');
    const line = parseServerSpec(7, '127.0.0.7:2888:3888:observer;2181');
    expect(ownIdentity(config, line)).toEqual({ role: 'observer', clientPort: 2181, clientPortAddress: '0.0.0.0', quorumListenAddress: '127.0.0.7' });
    // The line must still agree with zoo.cfg's clientPort.
    expect(() => ownIdentity(config, parseServerSpec(7, '127.0.0.7:2888:3888;2182'))).toThrow(/differs from server\.7's client address/);
    expect(noOwnServerLine(config, undefined).message).toMatch(/holds 7, but there is no server\.7 line \(server ids: 1, 2, 3\), and the data dir holds no configuration/);
    expect(noOwnServerLine(config, config.servers.slice(0, 2)).message).toMatch(/nor has the configuration in the data dir \(server ids: 1, 2\)/);
  });

  it('requires initLimit and syncLimit for an ensemble', () => {
    setMyId('1');
    expect(configError(() => parse(...ensemble.filter((l) => !l.startsWith('initLimit'))))).toMatchObject({ key: 'initLimit' });
    expect(configError(() => parse(...ensemble.filter((l) => !l.startsWith('syncLimit'))))).toMatchObject({ key: 'syncLimit' });
  });

  it('checks a static clientPort against the own server line', () => {
    setMyId('1');
    expect(parse(...ensemble, 'clientPort=2181').config.clientPort).toBe(2181);
    expect(configError(() => parse(...ensemble, 'clientPort=2182')).message).toMatch(/differs from server\.1's client address 0\.0\.0\.0:2181/);
    const noClient = ['initLimit=5', 'syncLimit=2', 'server.1=h1:1:2', 'server.2=h2:1:2'];
    expect(parse(...noClient, 'clientPort=2200', 'clientPortAddress=127.0.0.1').config).toMatchObject({ clientPort: 2200, clientPortAddress: '127.0.0.1' });
    expect(configError(() => parse(...noClient)).key).toBe('clientPort');
  });

  it('runs standalone with a single voter when standaloneEnabled, but not otherwise', () => {
    const single = parse('server.1=127.0.0.1:2888:3888;2181');
    expect(single.config).toMatchObject({ standalone: true, serverId: 0, clientPort: 2181 });
    expect(warningKeys(single)).toEqual(['server.1']);
    setMyId('1');
    const alone = parse('standaloneEnabled=false', 'initLimit=5', 'syncLimit=2', 'server.1=127.0.0.1:2888:3888;2181');
    expect(alone.config).toMatchObject({ standalone: false, serverId: 1 });
    expect(alone.warnings.map((w) => w.message).join()).toMatch(/no server failure will be tolerated/);
  });

  it('rejects memberships ZooKeeper rejects, and one where nobody may lead', () => {
    expect(configError(() => parse('clientPort=1', 'standaloneEnabled=false')).key).toBe('standaloneEnabled');
    expect(configError(() => parse('clientPort=1', 'server.1=a:1:2:observer')).message).toMatch(/observers without participants/);
    expect(configError(() => parse('clientPort=1', 'server.1=a:1:2', 'server.2=b:1:2:observer')).message).toMatch(/observers need a quorum/);
    expect(configError(() => parse('clientPort=1', 'initLimit=1', 'syncLimit=1', 'server.1=a:1:2:neverleader', 'server.2=b:1:2:neverleader')).message)
      .toMatch(/no member could ever lead/);
  });

  it('warns about an even number of voters and about a peerType that disagrees with the server list', () => {
    setMyId('1');
    const loaded = parse(...ensemble, 'server.4=127.0.0.4:2888:3888:participant;2181', 'peerType=observer');
    expect(loaded.config.role).toBe('participant');
    expect(loaded.warnings.map((w) => w.message).join('\n')).toMatch(/4 voting servers.*odd number[^]*peerType observer does not match server\.1's role participant/);
  });

  it('limits the id to 254 with extendedTypesEnabled', () => {
    setMyId('255');
    const lines = ['initLimit=1', 'syncLimit=1', 'server.255=a:1:2;2181', 'server.1=b:1:2;2181'];
    expect(parse(...lines).config.serverId).toBe(255);
    expect(configError(() => parse(...lines, 'extendedTypesEnabled=true')).message).toMatch(/at most 254/);
  });

  it('takes a version= line from zoo.cfg in the backward-compatible layout', () => {
    setMyId('1');
    expect(parse(...ensemble, 'version=100000003').config.configVersion).toBe(0x100000003);
  });
});

describe('a member in a shared network namespace (bindAddress, defaultServerId)', () => {
  const withOptions = (options: ParseOptions, ...lines: string[]) =>
    parseConfig([`dataDir=${dataDir}`, ...lines].join('\n'), { baseDir: dir, ...options });

  it('listens for peers on its own server line\'s host, or everywhere with quorumListenOnAllIPs', () => {
    setMyId('2');
    expect(parse(...ensemble).config.quorumListenAddress).toBe('127.0.0.2');
    expect(parse(...ensemble, 'quorumListenOnAllIPs=true').config.quorumListenAddress).toBe('0.0.0.0');
    expect(parse('clientPort=2181').config.quorumListenAddress).toBeUndefined();
  });

  it('binds every wildcard listener to the bind address, and leaves addresses zoo.cfg names alone', () => {
    setMyId('2');
    const wildcard = withOptions({ bindAddress: '127.1.0.7' }, ...ensemble, 'quorumListenOnAllIPs=true', 'metricsProvider.httpPort=7000');
    expect(wildcard.config).toMatchObject({
      clientPortAddress: '127.1.0.7',
      quorumListenAddress: '127.1.0.7',
      admin: { serverAddress: '127.1.0.7' },
      metrics: { httpHost: '127.1.0.7' },
    });
    const named = withOptions(
      { bindAddress: '127.1.0.7' },
      'initLimit=10', 'syncLimit=5', 'server.1=127.0.0.1:2888:3888;127.0.0.1:2181', 'server.2=127.0.0.2:2888:3888;127.0.0.2:2181',
      'admin.serverAddress=127.0.0.9', 'metricsProvider.httpHost=::',
    );
    expect(named.config).toMatchObject({
      clientPortAddress: '127.0.0.2',
      quorumListenAddress: '127.0.0.2',
      admin: { serverAddress: '127.0.0.9' },
      metrics: { httpHost: '127.1.0.7' },
    });
    expect(withOptions({ bindAddress: '127.1.0.8' }, 'clientPort=2181').config.clientPortAddress).toBe('127.1.0.8');
  });

  it('takes the default server id only when myid does not exist', () => {
    expect(withOptions({ defaultServerId: 3 }, ...ensemble).config).toMatchObject({ serverId: 3, role: 'neverleader' });
    expect(configError(() => withOptions({ defaultServerId: 9 }, ...ensemble)).message).toMatch(
      /myid: .*myid is missing and the server id given instead is 9, but there is no server\.9 line \(server ids: 1, 2, 3\)/,
    );
    setMyId('1');
    expect(withOptions({ defaultServerId: 3 }, ...ensemble).config.serverId).toBe(1);
  });
});

describe('dynamicConfigFile', () => {
  const writeDynamic = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads server lines and version from the dynamic file', () => {
    setMyId('1');
    const path = writeDynamic('zoo.cfg.dynamic', 'server.1=127.0.0.1:2888:3888:participant;2181\nserver.2=127.0.0.2:2888:3888:participant;2181\nversion=100000000\n');
    const { config } = parse('initLimit=5', 'syncLimit=2', `dynamicConfigFile=${path}`);
    expect(config).toMatchObject({ dynamicConfigFile: path, configVersion: 0x100000000, serverId: 1, clientPort: 2181 });
    expect(config.servers).toHaveLength(2);
  });

  it('takes the version from the file name as ZooKeeper does, and rejects a disagreeing version line', () => {
    setMyId('1');
    const servers = 'server.1=127.0.0.1:2888:3888;2181\nserver.2=127.0.0.2:2888:3888;2181\n';
    const named = writeDynamic('zoo.cfg.dynamic.200000000', servers);
    expect(parse('initLimit=5', 'syncLimit=2', `dynamicConfigFile=${named}`).config.configVersion).toBe(0x200000000);
    const conflicting = writeDynamic('zoo.cfg.dynamic.5', `${servers}version=6`);
    expect(configError(() => parse('initLimit=5', 'syncLimit=2', `dynamicConfigFile=${conflicting}`)).key).toBe('dynamicConfigFile');
  });

  it('rejects server lines beside dynamicConfigFile, unreadable files and foreign keys in the file', () => {
    const path = writeDynamic('zoo.cfg.dynamic', 'server.1=a:1:2;2181\n');
    expect(configError(() => parse(`dynamicConfigFile=${path}`, 'server.2=b:1:2'))).toMatchObject({ key: 'server.2' });
    expect(configError(() => parse(`dynamicConfigFile=${join(dir, 'missing')}`)).message).toMatch(/dynamicConfigFile: cannot read/);
    const bad = writeDynamic('bad.dynamic', 'server.1=a:1:2;2181\nclientPort=2181\n');
    expect(configError(() => parse(`dynamicConfigFile=${bad}`)).message).toMatch(/unrecognised parameter 'clientPort'/);
  });
});

describe('loadConfig', () => {
  it('reads a zoo.cfg file', () => {
    const path = join(dir, 'zoo.cfg');
    writeFileSync(path, `# sample\ntickTime=2000\ndataDir=${dataDir}\nclientPort=2181\n`);
    const { config } = loadConfig(path);
    expect(config).toMatchObject({ tickTime: 2000, dataDir, clientPort: 2181 });
    expect(config.initialConfig).toContain('# sample');
  });
});
