// Znode path rules, as ZooKeeper's PathUtils enforces them on the server side.

/** Returns a reason the path is invalid, or undefined when it is a valid znode path. */
export function invalidPathReason(path: string): string | undefined {
  if (path.length === 0) return 'path length must be > 0';
  if (path.charCodeAt(0) !== 0x2f) return 'path must start with / character';
  if (path.length === 1) return undefined;
  if (path.charCodeAt(path.length - 1) === 0x2f) return 'path must not end with / character';
  let segmentStart = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const len = i - segmentStart;
      if (len === 0) return `empty node name specified @${i}`;
      if (len <= 2 && (path.slice(segmentStart, i) === '.' || path.slice(segmentStart, i) === '..')) {
        return `relative paths not allowed @${i}`;
      }
      segmentStart = i + 1;
      continue;
    }
    if (c === 0 || (c > 0 && c < 0x1f) || (c > 0x7f && c < 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff0 && c <= 0xffff)) {
      return `invalid character @${i}`;
    }
  }
  return undefined;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** ZooKeeper's sequential suffix: the parent's cversion as Java's %010d (the sign counts toward the width). */
export function sequentialSuffix(counter: number): string {
  return counter < 0 ? `-${String(-counter).padStart(9, '0')}` : String(counter).padStart(10, '0');
}
