// Kills a child process mid-append and checks that everything it was told was durable survives intact.
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { WriteAheadLog } from '../../src/storage/wal.js';
import { captureLog, tempDir } from './helpers.js';
// @ts-expect-error plain JS fixture shared with the child
import { payload } from './fixtures/crash-payload.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');

/** The storage sources as plain ESM the child can run with node. */
async function compileStorage(): Promise<string> {
  const out = join(await tempDir(), 'storage');
  await mkdir(out);
  const src = join(root, 'server/src/storage');
  for (const name of await readdir(src)) {
    if (!name.endsWith('.ts')) continue;
    const { outputText } = ts.transpileModule(await readFile(join(src, name), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await writeFile(join(out, name.replace(/\.ts$/, '.js')), outputText);
  }
  await symlink(join(root, 'node_modules'), join(out, '..', 'node_modules'));
  return out;
}

/** Runs the child until `killAfterMs` after it is ready, SIGKILLs it, returns the indexes it reported. */
function runAndKill(storageDir: string, walDir: string, killAfterMs: number): Promise<number[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(here, 'fixtures/wal-crash-child.mjs'), storageDir, walDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      if (out === '' && s.startsWith('ready')) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      out += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child exited on its own: ${err}`));
      const lines = out.split('\n').slice(1, -1); // drop "ready" and a possibly partial last line
      resolvePromise(lines.map(Number));
    });
  });
}

it('keeps every append acknowledged before a SIGKILL, with no half record', { timeout: 30_000 }, async () => {
  const storageDir = await compileStorage();
  const walDir = join(await tempDir(), 'wal');
  let acknowledged = 0;
  const started = Date.now();
  for (let round = 0; round < 8 && Date.now() - started < 10_000; round++) {
    const reported = await runAndKill(storageDir, walDir, 30 + Math.floor(Math.random() * 300));
    acknowledged = reported.reduce((a, b) => Math.max(a, b), acknowledged);

    const { lines, logger } = captureLog();
    const { wal, entries, hardState, lastIndex } = await WriteAheadLog.open(walDir, { segmentBytes: 48 * 1024, logger });
    await wal.close();
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(lastIndex).toBeGreaterThanOrEqual(acknowledged);
    expect(entries.length).toBe(lastIndex);
    const damaged = entries.filter((e, k) => e.index !== k + 1 || !Buffer.from(e.data).equals(payload(e.index)));
    expect(damaged.map((e) => e.index)).toEqual([]);
    expect(hardState!.commit).toBeGreaterThanOrEqual(acknowledged);
    expect(hardState!.commit).toBeLessThanOrEqual(lastIndex);

    // Recovery cut any torn tail off: a second open finds nothing to repair.
    const second = captureLog();
    await (await WriteAheadLog.open(walDir, { segmentBytes: 48 * 1024, logger: second.logger })).wal.close();
    expect(second.lines).toEqual([]);
  }
  expect(acknowledged).toBeGreaterThan(0);
});
