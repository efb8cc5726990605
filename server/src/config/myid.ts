// dataDir/myid: the member's server id, a single line holding a number, as ZooKeeper reads it.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import { MAX_SERVER_ID } from './server-line.js';

/** The id in `<dataDir>/myid`, or undefined when the file does not exist. Only the first line counts. */
export function readMyId(dataDir: string): number | undefined {
  const path = join(dataDir, 'myid');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`myid: cannot read ${path}: ${(err as Error).message}`, 'myid');
  }
  const first = (text.split(/\r?\n/, 1)[0] ?? '').trim();
  const id = /^\d+$/.test(first) ? Number(first) : NaN;
  if (!(id >= 1 && id <= MAX_SERVER_ID)) {
    throw new ConfigError(`myid: ${path} holds '${first}', expected a server id from 1 to ${MAX_SERVER_ID}`, 'myid');
  }
  return id;
}

/**
 * Writes `<dataDir>/myid` (creating dataDir), through a temporary file and a rename so a crash never leaves a
 * half-written id behind: from then on the id travels with the data, whatever the environment says.
 */
export function writeMyId(dataDir: string, id: number): void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'myid');
  writeFileSync(`${path}.tmp`, `${id}\n`);
  renameSync(`${path}.tmp`, path);
}
