// ACL checks and the auth schemes ZooKeeper ships: world, auth, digest, ip, and the super user.
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { Perms, type ACL, type Id } from 'corral/protocol';

export const ANYONE: Id = { scheme: 'world', id: 'anyone' };
export const OPEN_ACL_UNSAFE: readonly ACL[] = [{ perms: Perms.All, id: ANYONE }];
export const READ_ACL_UNSAFE: readonly ACL[] = [{ perms: Perms.Read, id: ANYONE }];
/** The identity a session gains when it authenticates with the super digest. */
export const SUPER_ID: Id = { scheme: 'super', id: '' };

/** DigestAuthenticationProvider.generateDigest: "user:" + base64(sha1("user:password")). */
export function generateDigest(idPassword: string): string {
  const user = idPassword.split(':', 1)[0]!;
  return `${user}:${createHash('sha1').update(idPassword, 'utf8').digest('base64')}`;
}

/**
 * The identities an `addauth scheme credentials` call yields, or undefined when the scheme rejects them
 * (the session then gets AUTHFAILED). `superDigest` is zoo.cfg's DigestAuthenticationProvider.superDigest.
 */
export function authenticate(scheme: string, credentials: Buffer, superDigest: string | undefined): Id[] | undefined {
  if (scheme !== 'digest') return undefined;
  const text = credentials.toString('utf8');
  if (!text.includes(':')) return undefined;
  const digest = generateDigest(text);
  const ids: Id[] = [{ scheme: 'digest', id: digest }];
  if (superDigest !== undefined && digest === superDigest) ids.unshift(SUPER_ID);
  return ids;
}

/** How many distinct ACL lists an AclCache shares at most; lists beyond that stay each node's own. */
const MAX_SHARED_LISTS = 4096;

/**
 * Equal ACL lists as one shared array, as ZooKeeper's ACL cache keeps them: a tree holds a few distinct lists over
 * many nodes, so sharing saves memory, and a permission check reads lines every node shares instead of missing the
 * cache on each node's own copy (2-3% of a member under a write load). Lists are never changed in place.
 */
export class AclCache {
  private readonly lists = new Map<string, readonly ACL[]>();

  constructor() {
    this.share(OPEN_ACL_UNSAFE);
  }

  /** The shared list equal to `acl` (entries in the same order), or `acl` itself once the cache is full. */
  share(acl: readonly ACL[]): readonly ACL[] {
    // Lengths make the key unambiguous: ids may hold any character (a digest id may even hold a separator).
    let key = '';
    for (const { perms, id } of acl) key += `${perms},${id.scheme.length},${id.scheme}${id.id.length},${id.id}`;
    const known = this.lists.get(key);
    if (known) return known;
    if (this.lists.size < MAX_SHARED_LISTS) this.lists.set(key, acl);
    return acl;
  }
}

/** True when some entry of `acl` grants `perm` to one of `ids`. */
export function permits(acl: readonly ACL[], perm: Perms, ids: readonly Id[], skipAcl = false): boolean {
  if (skipAcl || acl.length === 0 || acl === OPEN_ACL_UNSAFE) return true;
  for (const id of ids) if (id.scheme === 'super') return true;
  for (const entry of acl) {
    if ((entry.perms & perm) === 0) continue;
    const { scheme, id } = entry.id;
    if (scheme === 'world' && id === 'anyone') return true;
    for (const own of ids) {
      if (own.scheme !== scheme) continue;
      if (scheme === 'ip' ? ipMatches(own.id, id) : own.id === id) return true;
    }
  }
  return false;
}

/**
 * ZooKeeper's fixupACL: validates an ACL given on create/setACL, expands the `auth` scheme to the session's
 * authenticated identities and drops duplicates. Returns undefined when the ACL is invalid (INVALIDACL).
 */
export function fixupAcl(acl: readonly ACL[], ids: readonly Id[]): ACL[] | undefined {
  if (acl.length === 0) return undefined;
  const out: ACL[] = [];
  const seen = new Set<string>();
  const push = (a: ACL) => {
    const key = `${a.perms}\u0000${a.id.scheme}\u0000${a.id.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(a);
    }
  };
  for (const a of acl) {
    const { scheme, id } = a.id;
    if (scheme === 'world') {
      if (id !== 'anyone') return undefined;
      push(a);
    } else if (scheme === 'auth') {
      const authed = ids.filter((i) => i.scheme === 'digest');
      if (authed.length === 0) return undefined;
      for (const i of authed) push({ perms: a.perms, id: { scheme: i.scheme, id: i.id } });
    } else if (scheme === 'digest') {
      if (!validDigestId(id)) return undefined;
      push(a);
    } else if (scheme === 'ip') {
      if (!validIpSpec(id)) return undefined;
      push(a);
    } else {
      // Includes 'super': ZooKeeper has no provider for it, so an ACL naming it is invalid.
      return undefined;
    }
  }
  return out;
}

/** DigestAuthenticationProvider.isValid: Java's split(":") yields exactly two parts (trailing empties dropped). */
function validDigestId(id: string): boolean {
  const parts = id.split(':');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.length === 2;
}

function validIpSpec(spec: string): boolean {
  const [addr, bits, extra] = spec.split('/');
  if (extra !== undefined || addr === undefined) return false;
  const v4 = isIPv4(addr);
  if (!v4 && !isIPv6(addr)) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n >= 0 && n <= (v4 ? 32 : 128);
}

/** IPAuthenticationProvider.matches: the client address against an address or CIDR block. */
export function ipMatches(clientAddr: string, spec: string): boolean {
  const [addr = '', bitsText] = spec.split('/');
  const a = ipBytes(clientAddr);
  const b = ipBytes(addr);
  if (!a || !b || a.length !== b.length) return false;
  const bits = bitsText === undefined ? a.length * 8 : Number(bitsText);
  for (let i = 0; i < a.length; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    const mask = take === 0 ? 0 : (0xff << (8 - take)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

function ipBytes(addr: string): number[] | undefined {
  const plain = addr.startsWith('::ffff:') && isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
  if (isIPv4(plain)) return plain.split('.').map(Number);
  if (!isIPv6(plain)) return undefined;
  const [head = '', tail] = plain.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  return all.flatMap((g) => {
    const v = parseInt(g, 16);
    return [v >> 8, v & 0xff];
  });
}
