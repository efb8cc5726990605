import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { formatServerLine, parseServerSpec, type ServerSpec } from '../../src/config/server-line.js';

describe('parseServerSpec', () => {
  it('reads host and the two quorum ports, defaulting to participant without a client part', () => {
    expect(parseServerSpec(1, 'zk1.example:2888:3888')).toEqual({
      id: 1, host: 'zk1.example', quorumPort: 2888, electionPort: 3888, role: 'participant',
    });
  });

  it('reads roles case-insensitively, including Corral\'s neverleader', () => {
    expect(parseServerSpec(2, 'h:1:2:OBSERVER').role).toBe('observer');
    expect(parseServerSpec(2, 'h:1:2:participant').role).toBe('participant');
    expect(parseServerSpec(3, 'dc3-host:2888:3888:neverleader;2181')).toEqual({
      id: 3, host: 'dc3-host', quorumPort: 2888, electionPort: 3888, role: 'neverleader', clientHost: '0.0.0.0', clientPort: 2181,
    });
  });

  it('takes a bare client port as 0.0.0.0, and a client host when given', () => {
    expect(parseServerSpec(1, 'h:1:2;2181')).toMatchObject({ clientHost: '0.0.0.0', clientPort: 2181 });
    expect(parseServerSpec(1, 'h:1:2:observer;127.0.0.1:2181')).toMatchObject({ role: 'observer', clientHost: '127.0.0.1', clientPort: 2181 });
    // As with Java's String.split, a trailing ';' leaves no client part.
    expect(parseServerSpec(1, 'h:1:2;')).not.toHaveProperty('clientPort');
  });

  it('accepts bracketed IPv6 literals for the server and the client address', () => {
    expect(parseServerSpec(4, '[2001:db8::1]:2888:3888:participant;[::1]:2181')).toEqual({
      id: 4, host: '2001:db8::1', quorumPort: 2888, electionPort: 3888, role: 'participant', clientHost: '::1', clientPort: 2181,
    });
  });

  it.each([
    ['h:2888', /wrong number of fields/],
    ['h:1:2:participant:extra', /wrong number of fields/],
    ['h:x:3888', /'x' is not a port/],
    ['h:2888:70000', /'70000' is not a port/],
    ['h:2888:2888', /quorumPort and electionPort must differ/],
    ['h:1:2:leader', /unknown role 'leader'/],
    [':1:2', /empty host/],
    ['h:1:2;a:b:c', /client part/],
    ['h:1:2;port', /'port' is not a port/],
    ['h:1:2;1;2', /more than one ';'/],
    ['a:1:2|b:1:2', /multiple addresses/],
    ['[::1:2888:3888', /without matching/],
    ['[::1]2888:3888', /no port after/],
    ['[::1]:', /no port after/],
    ['::1:2888:3888', /wrong number of fields/],
  ])('rejects %s, naming the key, the value and the grammar', (value, why) => {
    const err = catchError(() => parseServerSpec(7, value));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.key).toBe('server.7');
    expect(err.message).toMatch(why);
    expect(err.message).toContain('server.7');
    expect(err.message).toMatch(/neverleader/);
  });
});

describe('formatServerLine', () => {
  it('writes ZooKeeper\'s QuorumServer.toString form, role always spelled out', () => {
    expect(formatServerLine(parseServerSpec(1, '127.0.0.1:2888:3888;2181'))).toBe('server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181');
    expect(formatServerLine(parseServerSpec(2, 'h:1:2:observer'))).toBe('server.2=h:1:2:observer');
    expect(formatServerLine(parseServerSpec(3, '[::1]:1:2;[::]:2181'))).toBe('server.3=[::1]:1:2:participant;[::]:2181');
  });

  it('can hide neverleader from parsers that only know ZooKeeper\'s roles', () => {
    const spec = parseServerSpec(3, 'dc3:2888:3888:neverleader;2181');
    expect(formatServerLine(spec)).toBe('server.3=dc3:2888:3888:neverleader;0.0.0.0:2181');
    expect(formatServerLine(spec, { hideNeverLeader: true })).toBe('server.3=dc3:2888:3888:participant;0.0.0.0:2181');
  });

  it('round-trips through parseServerSpec', () => {
    const host = fc.oneof(
      fc.domain(),
      fc.ipV4(),
      fc.ipV6().map((h) => h.replace(/^\[|\]$/g, '')),
    );
    const port = fc.integer({ min: 0, max: 65535 });
    const spec = fc
      .record({
        id: fc.integer({ min: 1, max: 255 }),
        host,
        quorumPort: port,
        electionPort: port,
        role: fc.constantFrom('participant', 'observer', 'neverleader' as const),
        client: fc.option(fc.record({ clientHost: host, clientPort: port }), { nil: undefined }),
      })
      .filter((s) => s.quorumPort !== s.electionPort)
      .map(({ client, ...rest }): ServerSpec => ({ ...rest, ...client }));
    fc.assert(
      fc.property(spec, (s) => {
        const line = formatServerLine(s);
        const [key, value] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
        expect(key).toBe(`server.${s.id}`);
        expect(parseServerSpec(s.id, value)).toEqual(s);
      }),
      { numRuns: 300 },
    );
  });
});

function catchError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('expected an error');
}
