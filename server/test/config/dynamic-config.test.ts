import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatDynamicConfig,
  parseDynamicConfig,
  versionFromFilename,
} from '../../src/config/dynamic-config.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseJoiningServers, parseLeavingServers, parseNewMembers } from '../../src/config/reconfig-args.js';
import { parseServerSpec, type ServerSpec } from '../../src/config/server-line.js';

describe('formatDynamicConfig', () => {
  it('writes ZooKeeper\'s /zookeeper/config text: servers by id, then the hex version, no trailing newline', () => {
    const servers = [
      parseServerSpec(3, '127.0.0.3:2888:3888:observer;2181'),
      parseServerSpec(1, '127.0.0.1:2888:3888;2181'),
      parseServerSpec(2, '127.0.0.2:2888:3888:participant'),
    ];
    expect(formatDynamicConfig(servers, 0x100000000)).toBe(
      'server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\n' +
        'server.2=127.0.0.2:2888:3888:participant\n' +
        'server.3=127.0.0.3:2888:3888:observer;0.0.0.0:2181\n' +
        'version=100000000',
    );
    expect(formatDynamicConfig([], 0)).toBe('version=0');
  });

  it('passes hideNeverLeader through to every line', () => {
    const servers = [parseServerSpec(1, 'a:1:2'), parseServerSpec(2, 'b:1:2:neverleader')];
    expect(formatDynamicConfig(servers, 1, { hideNeverLeader: true })).not.toContain('neverleader');
  });
});

describe('parseDynamicConfig', () => {
  it('reads servers (sorted by id) and the hex version', () => {
    const parsed = parseDynamicConfig('server.2=b:1:2;2181\nserver.1=a:1:2:neverleader\nversion=1a\n');
    expect(parsed.servers.map((s) => [s.id, s.role])).toEqual([[1, 'neverleader'], [2, 'participant']]);
    expect(parsed.version).toBe(0x1a);
    expect(parseDynamicConfig('server.1=a:1:2').version).toBeUndefined();
  });

  it('rejects keys that do not belong in a dynamic file, naming the source and key', () => {
    const err = catchError(() => parseDynamicConfig('server.1=a:1:2\ntickTime=2000', '/etc/zoo.cfg.dynamic.1'));
    expect(err.key).toBe('tickTime');
    expect(err.message).toMatch(/\/etc\/zoo\.cfg\.dynamic\.1: unrecognised parameter 'tickTime'/);
  });

  it('rejects hierarchical quorums, bad versions and bad server ids', () => {
    expect(catchError(() => parseDynamicConfig('group.1=1:2:3')).key).toBe('group.1');
    expect(catchError(() => parseDynamicConfig('weight.1=1')).message).toMatch(/hierarchical/);
    expect(catchError(() => parseDynamicConfig('version=xyz')).message).toMatch(/version: invalid value 'xyz'/);
    expect(catchError(() => parseDynamicConfig('server.0=a:1:2')).message).toMatch(/server\.0: invalid value '0'.*1 to 255/);
    expect(catchError(() => parseDynamicConfig('server.abc=a:1:2')).key).toBe('server.abc');
  });

  it('round-trips formatDynamicConfig', () => {
    const member = fc
      .record({
        id: fc.integer({ min: 1, max: 255 }),
        host: fc.oneof(fc.domain(), fc.ipV4(), fc.constant('::1')),
        quorumPort: fc.integer({ min: 1, max: 30000 }),
        electionPort: fc.integer({ min: 30001, max: 65535 }),
        role: fc.constantFrom('participant', 'observer', 'neverleader' as const),
        clientPort: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
      })
      .map(({ clientPort, ...rest }): ServerSpec => (clientPort === undefined ? rest : { ...rest, clientHost: '0.0.0.0', clientPort }));
    fc.assert(
      fc.property(fc.uniqueArray(member, { selector: (m) => m.id, maxLength: 9 }), fc.maxSafeNat(), (servers, version) => {
        const parsed = parseDynamicConfig(formatDynamicConfig(servers, version));
        expect(parsed.version).toBe(version);
        expect(parsed.servers).toEqual([...servers].sort((a, b) => a.id - b.id));
      }),
      { numRuns: 200 },
    );
  });
});

describe('versionFromFilename', () => {
  it('reads the hex suffix ZooKeeper puts on dynamic files', () => {
    expect(versionFromFilename('/conf/zoo.cfg.dynamic.100000000')).toBe(0x100000000);
    expect(versionFromFilename('zoo.cfg.dynamic.0')).toBe(0);
    expect(versionFromFilename('/conf/zoo.cfg.dynamic')).toBeUndefined();
    expect(versionFromFilename('/conf.d/dynamic')).toBeUndefined();
  });
});

describe('reconfig arguments', () => {
  it('parses joining servers, trimming and skipping empty items', () => {
    const joining = parseJoiningServers(' server.4=h4:2888:3888:participant;2181 ,, server.5=[::1]:1:2:observer;127.0.0.1:2182');
    expect(joining.map((s) => [s.id, s.host, s.role, s.clientHost, s.clientPort])).toEqual([
      [4, 'h4', 'participant', '0.0.0.0', 2181],
      [5, '::1', 'observer', '127.0.0.1', 2182],
    ]);
    expect(parseJoiningServers('')).toEqual([]);
  });

  it('requires a client port and the server.N= form for joining servers', () => {
    expect(catchError(() => parseJoiningServers('server.4=h:1:2')).message).toMatch(/joiningServers: .*no client port/);
    expect(catchError(() => parseJoiningServers('h:1:2;2181')).message).toMatch(/joiningServers: 'h:1:2;2181' is not of the form server\.N=/);
    expect(catchError(() => parseJoiningServers('server.4=h:1:2;2181=x')).key).toBe('joiningServers');
    expect(catchError(() => parseJoiningServers('server.4=h:1')).key).toBe('server.4');
  });

  it('parses leaving server ids', () => {
    expect(parseLeavingServers('1, 3,,')).toEqual([1, 3]);
    expect(catchError(() => parseLeavingServers('1,x')).message).toMatch(/leavingServers: invalid value 'x'/);
  });

  it('parses a new membership list', () => {
    expect(parseNewMembers('server.2=b:1:2;2181,server.1=a:1:2').map((s) => s.id)).toEqual([1, 2]);
  });
});

function catchError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
