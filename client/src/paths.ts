// Client-side path rules (ZooKeeper's PathUtils) and chroot translation.

/** Throws for paths ZooKeeper would reject, before anything is sent. */
export function validatePath(path: string, sequential = false): void {
  // A sequential create may end in '/': the server appends the counter.
  const p = sequential ? `${path}1` : path;
  const fail = (why: string) => {
    throw new Error(`invalid path "${path}": ${why}`);
  };
  if (typeof path !== 'string' || p.length === 0) fail('empty');
  if (p[0] !== '/') fail('must start with /');
  if (p.length === 1) return;
  if (p.endsWith('/')) fail('must not end with /');
  for (const segment of p.slice(1).split('/')) {
    if (segment === '') fail('empty segment');
    if (segment === '.' || segment === '..') fail('relative segment');
  }
  for (const ch of p) {
    const c = ch.codePointAt(0)!;
    // Control characters, and the UTF-16 ranges ZooKeeper refuses (surrogates: any astral character).
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || c >= 0xfff0) {
      fail(`character U+${c.toString(16).padStart(4, '0')} not allowed`);
    }
  }
}

/** The server path for a client path. */
export function addChroot(chroot: string, path: string): string {
  if (chroot === '') return path;
  return path === '/' ? chroot : chroot + path;
}

/** The client path for a server path; paths outside the chroot are returned unchanged. */
export function stripChroot(chroot: string, serverPath: string): string {
  if (chroot === '') return serverPath;
  if (serverPath === chroot) return '/';
  if (serverPath.startsWith(`${chroot}/`)) return serverPath.slice(chroot.length);
  return serverPath;
}
