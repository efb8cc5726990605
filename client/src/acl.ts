// Well-known ACLs (ZooDefs.Ids) and the digest scheme's id format.
import { createHash } from 'node:crypto';
import { Perms, type ACL } from 'corral/protocol';

export const ANYONE_ID = { scheme: 'world', id: 'anyone' } as const;
/** Matches whoever authenticated the creating connection. */
export const AUTH_IDS = { scheme: 'auth', id: '' } as const;

export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.All, id: ANYONE_ID }]);
export const CREATOR_ALL_ACL: readonly ACL[] = Object.freeze([{ perms: Perms.All, id: AUTH_IDS }]);
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.Read, id: ANYONE_ID }]);

/** The id a digest ACL names for user:password: `user:base64(sha1("user:password"))`. */
export function digestId(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

const PERM_LETTERS: [Perms, string][] = [
  [Perms.Create, 'c'],
  [Perms.Delete, 'd'],
  [Perms.Read, 'r'],
  [Perms.Write, 'w'],
  [Perms.Admin, 'a'],
];

/** "cdrwa"-style letters, as zkCli prints and parses them. */
export function permsToString(perms: number): string {
  return PERM_LETTERS.filter(([bit]) => perms & bit).map(([, l]) => l).join('');
}

export function permsFromString(text: string): number {
  let perms = 0;
  for (const ch of text) {
    const found = PERM_LETTERS.find(([, l]) => l === ch);
    if (!found) throw new Error(`unknown permission "${ch}" (use c, d, r, w, a)`);
    perms |= found[0];
  }
  return perms;
}

/** Parses zkCli's ACL syntax: comma-separated `scheme:id:perms` (the id may itself contain colons). */
export function parseACL(text: string): ACL[] {
  return text.split(',').map((entry) => {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first < 0 || last === first) throw new Error(`bad ACL entry "${entry}" (want scheme:id:perms)`);
    return {
      perms: permsFromString(entry.slice(last + 1)),
      id: { scheme: entry.slice(0, first), id: entry.slice(first + 1, last) },
    };
  });
}
