// Shared/exclusive lock. Readers and writers queue in one folder; a writer waits for the node just before its
// own, a reader only for the nearest writer before it, so readers between two writers hold the lock together
// and a writer's release wakes exactly those readers (plus nobody else).
import type { ZooKeeperClient } from '../client.js';
import { predecessor, type BlockerRule } from './contenders.js';
import { QueueLock, type LockOptions } from './lock.js';
import { unprotectedName } from './protected-create.js';

const READ = 'read-';
const WRITE = 'write-';

const nearestWriterBefore: BlockerRule = (sorted, mine) => {
  for (let i = mine - 1; i >= 0; i--) if (unprotectedName(sorted[i]!).startsWith(WRITE)) return sorted[i];
  return undefined;
};

/**
 * @example
 * const rw = new ReadWriteLock(client, '/locks/config');
 * const r = await rw.readLock.acquire();      // many readers at once
 * try { render(await client.getData('/config')); } finally { await r.release(); }
 * const w = await rw.writeLock.acquire({ signal }); // alone: no readers, no other writer
 * try { await client.setData('/config', next); } finally { await w.release(); }
 */
export class ReadWriteLock {
  readonly readLock: QueueLock;
  readonly writeLock: QueueLock;

  constructor(client: ZooKeeperClient, path: string, options: LockOptions = {}) {
    this.readLock = new QueueLock(client, path, READ, nearestWriterBefore, options);
    this.writeLock = new QueueLock(client, path, WRITE, predecessor, options);
  }
}
