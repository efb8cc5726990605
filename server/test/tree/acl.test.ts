import { describe, expect, it } from 'vitest';
import { Perms } from '../../../protocol/src/constants.js';
import type { ACL, Id } from '../../../protocol/src/records.js';
import { ANYONE, authenticate, fixupAcl, generateDigest, ipMatches, OPEN_ACL_UNSAFE, permits, SUPER_ID } from '../../src/tree/acl.js';

const acl = (perms: number, scheme: string, id: string): ACL => ({ perms, id: { scheme, id } });

describe('digest', () => {
  // Values printed by `java org.apache.zookeeper.server.auth.DigestAuthenticationProvider <id:password>`.
  it.each([
    ['super:test', 'super:D/InIHSb7yEEbrWz8b9l71RjZJU='],
    ['bob:s3cr:et', 'bob:+tD4j0u8CEqqabkDxUcEguHsqe8='],
    ['ünï:cødé', 'ünï:xQllqDAJT4MXfIfWHQyzwXoGn8M='],
  ])('generateDigest(%j) matches ZooKeeper', (input, digest) => {
    expect(generateDigest(input)).toBe(digest);
  });

  it('authenticate yields the digest id, plus super when it matches the super digest', () => {
    const superDigest = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=';
    expect(authenticate('digest', Buffer.from('bob:s3cr:et'), superDigest)).toEqual([{ scheme: 'digest', id: 'bob:+tD4j0u8CEqqabkDxUcEguHsqe8=' }]);
    expect(authenticate('digest', Buffer.from('super:test'), superDigest)).toEqual([SUPER_ID, { scheme: 'digest', id: superDigest }]);
    expect(authenticate('digest', Buffer.from('super:test'), undefined)).toEqual([{ scheme: 'digest', id: superDigest }]);
    expect(authenticate('digest', Buffer.from('nocolon'), superDigest)).toBeUndefined();
    expect(authenticate('ip', Buffer.from('127.0.0.1'), superDigest)).toBeUndefined();
  });
});

describe('permits', () => {
  const bob: Id = { scheme: 'digest', id: 'bob:x' };
  it('grants by world:anyone, by matching id and by super; checks the permission bit', () => {
    expect(permits(OPEN_ACL_UNSAFE, Perms.Delete, [])).toBe(true);
    const only = [acl(Perms.Read | Perms.Write, 'digest', 'bob:x')];
    expect(permits(only, Perms.Read, [bob])).toBe(true);
    expect(permits(only, Perms.Admin, [bob])).toBe(false);
    expect(permits(only, Perms.Read, [{ scheme: 'digest', id: 'eve:x' }])).toBe(false);
    expect(permits(only, Perms.Admin, [SUPER_ID])).toBe(true);
    expect(permits(only, Perms.Admin, [], true)).toBe(true);
    expect(permits([], Perms.Admin, [])).toBe(true);
    expect(permits([{ perms: Perms.Read, id: ANYONE }], Perms.Write, [bob])).toBe(false);
  });

  it('matches ip ACLs by address or CIDR block', () => {
    const net = [acl(Perms.All, 'ip', '10.1.0.0/16')];
    expect(permits(net, Perms.Read, [{ scheme: 'ip', id: '10.1.200.3' }])).toBe(true);
    expect(permits(net, Perms.Read, [{ scheme: 'ip', id: '10.2.0.1' }])).toBe(false);
  });
});

describe('ipMatches', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.2', '127.0.0.1', false],
    ['192.168.5.77', '192.168.5.0/24', true],
    ['192.168.6.77', '192.168.5.0/24', false],
    ['192.168.5.77', '192.168.5.64/26', true],
    ['192.168.5.63', '192.168.5.64/26', false],
    ['10.0.0.1', '10.255.255.255/8', true],
    ['1.2.3.4', '0.0.0.0/0', true],
    ['192.168.5.77', '192.168.5.76/31', true],
    ['192.168.5.77', '192.168.5.76/32', false],
    ['::ffff:127.0.0.1', '127.0.0.0/8', true],
    ['::1', '::1', true],
    ['fe80::1:2', 'fe80::/64', true],
    ['fe81::1', 'fe80::/16', false],
    ['127.0.0.1', '::1', false],
    ['not-an-ip', '127.0.0.1', false],
  ])('%s against %s -> %s', (addr, spec, expected) => {
    expect(ipMatches(addr, spec)).toBe(expected);
  });
});

describe('fixupAcl', () => {
  const bobId: Id = { scheme: 'digest', id: 'bob:hash' };
  const ipId: Id = { scheme: 'ip', id: '127.0.0.1' };

  it('keeps valid entries and drops exact duplicates', () => {
    const input = [acl(31, 'world', 'anyone'), acl(31, 'world', 'anyone'), acl(1, 'digest', 'a:b'), acl(1, 'ip', '10.0.0.0/8')];
    expect(fixupAcl(input, [])).toEqual([input[0], input[2], input[3]]);
  });

  it('expands auth to the session digest identities only (ip is not an authenticated identity)', () => {
    expect(fixupAcl([acl(Perms.All, 'auth', '')], [ipId, bobId])).toEqual([acl(Perms.All, 'digest', 'bob:hash')]);
    expect(fixupAcl([acl(Perms.All, 'auth', '')], [ipId])).toBeUndefined();
  });

  it.each([
    ['empty ACL', []],
    ['world id other than anyone', [acl(31, 'world', 'someone')]],
    ['unknown scheme', [acl(31, 'kerberos', 'x')]],
    // ZooKeeper registers no provider for "super", so it cannot appear in an ACL.
    ['super scheme', [acl(31, 'super', '')]],
    ['digest without a colon', [acl(31, 'digest', 'bob')]],
    ['digest with an empty password part', [acl(31, 'digest', 'bob:')]],
    ['digest with three parts', [acl(31, 'digest', 'a:b:c')]],
    ['ip not an address', [acl(31, 'ip', 'example.com')]],
    ['ip prefix too long', [acl(31, 'ip', '1.2.3.4/33')]],
    ['ip prefix not a number', [acl(31, 'ip', '1.2.3.4/x')]],
  ] as Array<[string, ACL[]]>)('rejects %s', (_name, input) => {
    expect(fixupAcl(input, [bobId])).toBeUndefined();
  });

  it('accepts digest ids as Java splits them (trailing empty parts dropped, leading kept)', () => {
    expect(fixupAcl([acl(31, 'digest', 'a:b:')], [])).toHaveLength(1);
    expect(fixupAcl([acl(31, 'digest', ':b')], [])).toHaveLength(1);
  });
});
