// Small filesystem helpers whose point is durability of directory entries.
import { open } from 'node:fs/promises';

/** Makes creations, renames and deletions of entries in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}
