// Shared fixtures for the storage tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Entry, HardState } from '../../src/consensus/types.js';
import type { LogLevel } from '../../src/storage/logger.js';

const dirs: string[] = [];

/** A fresh directory under the OS temp dir, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-storage-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

export function entry(index: number, term = 1, size = 16): Entry {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (index * 31 + term * 7 + i) & 0xff;
  return { index, term, kind: 0, data };
}

export function entries(from: number, to: number, term = 1, size = 16): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, size));
  return out;
}

export function hs(term: number, commit = 0, vote = 0): HardState {
  return { term, vote, commit };
}

/** Comparable form of entries (Buffers and Uint8Arrays compare equal this way). */
export function plain(list: readonly Entry[]): { index: number; term: number; kind: number; data: number[] }[] {
  return list.map((e) => ({ index: e.index, term: e.term, kind: e.kind, data: [...e.data] }));
}

export interface CapturedLog {
  level: LogLevel;
  msg: string;
  details: Record<string, unknown>;
}

export function captureLog(): { lines: CapturedLog[]; logger: (level: LogLevel, msg: string, details: Record<string, unknown>) => void } {
  const lines: CapturedLog[] = [];
  return { lines, logger: (level, msg, details) => lines.push({ level, msg, details }) };
}
