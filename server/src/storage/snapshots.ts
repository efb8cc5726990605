// Snapshot files: written in chunks while the member keeps serving, published atomically, read back verified.
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { frameHeader } from './frame.js';
import { fsyncDir, hex16 } from './fs-util.js';
import { toLog, type Log, type StorageLogger } from './logger.js';
import {
  encodeEnd,
  encodeMeta,
  FrameType,
  readSnapshotFile,
  SNAPSHOT_MAGIC,
  SnapshotCorruptError,
  type SnapshotMeta,
} from './snapshot-file.js';

export { SnapshotCorruptError, type SnapshotMeta };

const SNAPSHOT_NAME = /^snapshot\.([0-9a-f]{16})$/;
/** Files being written; the prefix keeps them from ever matching SNAPSHOT_NAME. */
const TEMP_PREFIX = 'tmp.snapshot.';
/** ZooKeeper's autopurge.snapRetainCount floor. */
export const MIN_RETAIN_COUNT = 3;
/** Data buffered before a write call is issued. */
const FLUSH_BYTES = 1 << 20;

export interface SnapshotFile {
  index: number;
  path: string;
  bytes: number;
}

export interface SnapshotReader extends SnapshotFile {
  meta: SnapshotMeta;
  /**
   * The data chunks as written, verified while streamed (also for sending to another member, which feeds
   * them to its own store's writer). Throws SnapshotCorruptError if the file no longer verifies.
   */
  chunks(): AsyncGenerator<Uint8Array, void, undefined>;
}

export interface PurgeResult {
  removed: number[];
  /** Index of the oldest snapshot kept: the log before it is no longer needed. */
  oldestRetainedIndex: number | undefined;
}

export class SnapshotWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private offset = 0;
  private chunks = 0;
  private dataBytes = 0;
  private done = false;
  /** Serialises file writes even if the caller does not wait for each write(). */
  private chain: Promise<void> = Promise.resolve();

  /** @internal created by SnapshotStore.begin */
  constructor(
    private readonly handle: FileHandle,
    private readonly tempPath: string,
    private readonly finalPath: string,
    private readonly dir: string,
    readonly meta: SnapshotMeta,
  ) {
    this.queue(SNAPSHOT_MAGIC);
    this.queueFrame(FrameType.Header, encodeMeta(meta));
  }

  /**
   * Adds a chunk. Resolves at once while little is buffered, otherwise once the buffer is written, so a
   * producer that awaits each call never runs far ahead of the disk. The chunk is copied.
   */
  write(chunk: Uint8Array): Promise<void> {
    if (this.done) return Promise.reject(new Error('snapshot writer is finished'));
    if (chunk.length === 0) return Promise.resolve();
    this.queueFrame(FrameType.Data, Buffer.from(chunk));
    this.chunks++;
    this.dataBytes += chunk.length;
    return this.pendingBytes >= FLUSH_BYTES ? this.flush() : Promise.resolve();
  }

  /** Writes the end frame, syncs the file, renames it to its final name and syncs the directory. */
  async finish(): Promise<SnapshotFile> {
    if (this.done) throw new Error('snapshot writer is finished');
    this.queueFrame(FrameType.End, encodeEnd(this.chunks, this.dataBytes));
    this.done = true;
    try {
      try {
        await this.flush();
        await this.handle.sync();
      } finally {
        await this.handle.close();
      }
      await rename(this.tempPath, this.finalPath);
    } catch (err) {
      await unlink(this.tempPath).catch(() => {});
      throw err;
    }
    await fsyncDir(this.dir);
    return { index: this.meta.index, path: this.finalPath, bytes: this.offset };
  }

  /** Drops the partial file. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.chain.catch(() => {});
    await this.handle.close();
    await unlink(this.tempPath).catch(() => {});
  }

  private queueFrame(type: number, payload: Buffer): void {
    this.queue(frameHeader(type, payload));
    this.queue(payload);
  }

  private queue(buf: Buffer): void {
    this.pending.push(buf);
    this.pendingBytes += buf.length;
  }

  private flush(): Promise<void> {
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    const at = this.offset;
    this.offset += data.length;
    this.chain = this.chain.then(async () => {
      for (let done = 0; done < data.length; ) {
        done += (await this.handle.write(data, done, data.length - done, at + done)).bytesWritten;
      }
    });
    return this.chain;
  }
}

export class SnapshotStore {
  private tempSeq = 0;

  private constructor(
    readonly dir: string,
    private readonly log: Log,
  ) {}

  /** Opens (creating if needed) the snapshot directory and deletes files left by interrupted writes. */
  static async open(dir: string, opts: { logger?: StorageLogger } = {}): Promise<SnapshotStore> {
    const log = toLog(opts.logger);
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      log('info', 'removing an unfinished snapshot file', { file: join(dir, name) });
      await unlink(join(dir, name));
    }
    return new SnapshotStore(dir, log);
  }

  /** Starts a snapshot (one being produced locally, or one received from another member). */
  async begin(meta: SnapshotMeta): Promise<SnapshotWriter> {
    const tempPath = join(this.dir, `${TEMP_PREFIX}${hex16(meta.index)}.${process.pid}.${this.tempSeq++}`);
    const handle = await open(tempPath, 'wx');
    return new SnapshotWriter(handle, tempPath, join(this.dir, `snapshot.${hex16(meta.index)}`), this.dir, meta);
  }

  /** Snapshot files, newest first, without verifying them. */
  async list(): Promise<SnapshotFile[]> {
    const files: SnapshotFile[] = [];
    for (const name of await readdir(this.dir)) {
      const m = SNAPSHOT_NAME.exec(name);
      if (!m) continue;
      const path = join(this.dir, name);
      files.push({ index: parseInt(m[1]!, 16), path, bytes: (await stat(path)).size });
    }
    return files.sort((a, b) => b.index - a.index);
  }

  /** The snapshot at `index`, verified end to end; throws SnapshotCorruptError if it does not verify. */
  async read(index: number): Promise<SnapshotReader> {
    const file = (await this.list()).find((f) => f.index === index);
    if (!file) throw new Error(`no snapshot at index ${index} in ${this.dir}`);
    return verified(file);
  }

  /** The newest snapshot that verifies; corrupt newer ones are logged and skipped. */
  async latest(): Promise<SnapshotReader | undefined> {
    for (const file of await this.list()) {
      try {
        return await verified(file);
      } catch (err) {
        if (!(err instanceof SnapshotCorruptError)) throw err;
        this.log('warn', 'skipping a corrupt snapshot; falling back to an older one', { file: file.path, err: err.message });
      }
    }
    return undefined;
  }

  /**
   * Keeps the newest max(retainCount, 3) snapshot files and deletes the rest. Corrupt files count as
   * retained, so the log must be kept from the oldest retained index for latest() to fall back on.
   */
  async purge(retainCount: number): Promise<PurgeResult> {
    const files = await this.list();
    const keep = files.slice(0, Math.max(retainCount, MIN_RETAIN_COUNT));
    const removed: number[] = [];
    for (const file of files.slice(keep.length)) {
      await unlink(file.path);
      removed.push(file.index);
    }
    return { removed, oldestRetainedIndex: keep.at(-1)?.index };
  }

  /** Bytes of the snapshot files (for the `dirs` admin command). */
  async sizeBytes(): Promise<number> {
    return (await this.list()).reduce((sum, f) => sum + f.bytes, 0);
  }
}

async function verified(file: SnapshotFile): Promise<SnapshotReader> {
  let meta: SnapshotMeta | undefined;
  for await (const item of readSnapshotFile(file.path)) {
    if (!(item instanceof Uint8Array)) meta = item;
  }
  if (meta === undefined || meta.index !== file.index) {
    throw new SnapshotCorruptError(`snapshot ${file.path} holds index ${meta?.index}, not the one in its name`);
  }
  return {
    ...file,
    meta,
    async *chunks() {
      for await (const item of readSnapshotFile(file.path)) {
        if (item instanceof Uint8Array) yield item;
      }
    },
  };
}
