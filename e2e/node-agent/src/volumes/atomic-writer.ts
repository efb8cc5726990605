import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

export interface ProjectedFile {
  data: Buffer;
  mode: number;
}

/**
 * Writes a ConfigMap, Secret or projected volume the way the kubelet's AtomicWriter does, so a running
 * container sees an update all at once: the files go into a fresh hidden directory, `..data` is switched to
 * it by renaming a symlink, and each visible name is a symlink through `..data`. The volume directory itself
 * (what the container has mounted) never changes, so updates show inside running containers.
 * Returns whether anything changed.
 */
export function writeAtomically(dir: string, files: Map<string, ProjectedFile>): boolean {
  for (const path of files.keys()) {
    const clean = normalize(path);
    if (path.startsWith('/') || clean.startsWith('..') || path.startsWith('..') || clean !== path) {
      throw new Error(`invalid file path "${path}" in volume`);
    }
  }
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const dataLink = join(dir, '..data');
  if (existsSync(dataLink) && sameContents(dataLink, files)) return false;

  const fresh = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${process.pid}${Math.floor(Math.random() * 1e6)}`;
  const freshDir = join(dir, fresh);
  mkdirSync(freshDir, { mode: 0o755 });
  for (const [path, file] of files) {
    const target = join(freshDir, path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    writeFileSync(target, file.data);
    chmodSync(target, file.mode);
  }
  const previous = existsSync(dataLink) ? readlinkSync(dataLink) : undefined;
  const tmpLink = join(dir, '..data_tmp');
  rmSync(tmpLink, { force: true });
  symlinkSync(fresh, tmpLink);
  renameSync(tmpLink, dataLink);

  const visible = new Set([...files.keys()].map((p) => p.split('/')[0]!));
  for (const name of visible) {
    const link = join(dir, name);
    if (!isSymlink(link)) {
      rmSync(link, { recursive: true, force: true });
      symlinkSync(join('..data', name), link);
    }
  }
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('..')) continue;
    if (!visible.has(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  if (previous) rmSync(join(dir, previous), { recursive: true, force: true });
  return true;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function sameContents(dataLink: string, files: Map<string, ProjectedFile>): boolean {
  const present = listFiles(dataLink, '');
  if (present.length !== files.size) return false;
  for (const path of present) {
    const wanted = files.get(path);
    if (!wanted) return false;
    const full = join(dataLink, path);
    if ((statSync(full).mode & 0o777) !== wanted.mode || !readFileSync(full).equals(wanted.data)) return false;
  }
  return true;
}

function listFiles(root: string, prefix: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(root, rel));
    else out.push(rel);
  }
  return out;
}
