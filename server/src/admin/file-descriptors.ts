// Open and maximum file descriptors of this process, as ZooKeeper's mntr reports them on Unix (Linux /proc here).
import { readFileSync, readdirSync } from 'node:fs';

export interface FileDescriptorCounts {
  open: number;
  /** The soft RLIMIT_NOFILE. */
  max: number;
}

/** Undefined where /proc is missing; mntr then omits the two lines, as ZooKeeper does off Unix. */
export function fileDescriptorCounts(): FileDescriptorCounts | undefined {
  try {
    const open = readdirSync('/proc/self/fd').length;
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const max = soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
    return Number.isFinite(max) ? { open, max } : undefined;
  } catch {
    return undefined;
  }
}
