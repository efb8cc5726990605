// dataDir/myid: the member's server id, a single line holding a number, as ZooKeeper reads it.
import { readFileSync } from 'node:fs';
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
