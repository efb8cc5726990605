// Throughput of the write-ahead log for 1 KiB entries with many appends in flight.
// Run: npx vite-node server/test/storage/wal-bench.ts [seconds-per-case] [rounds]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteAheadLog, type WalOptions } from '../../src/storage/wal.js';

const seconds = Number(process.argv[2] ?? 3);
const data = new Uint8Array(1024).fill(7);

async function run(label: string, inFlight: number, opts: WalOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-wal-bench-'));
  const { wal } = await WriteAheadLog.open(dir, opts);
  let next = 1;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const index = next++;
      await wal.append({ term: 1, vote: 0, commit: index - 1 }, [{ index, term: 1, kind: 0, data }]);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - start) / 1000;
  const n = next - 1;
  console.log(
    `${label.padEnd(34)} in-flight ${String(inFlight).padStart(4)}: ${Math.round(n / elapsed).toString().padStart(7)} appends/s, ` +
      `${wal.stats.fsyncs} fsyncs, ${(n / Math.max(1, wal.stats.batches)).toFixed(1)} appends/batch`,
  );
  await wal.close();
  await rm(dir, { recursive: true, force: true });
}

const rounds = Number(process.argv[3] ?? 1);
for (let round = 0; round < rounds; round++) {
  for (const inFlight of [1, 16, 256]) {
    await run('forceSync, preallocated (sparse)', inFlight, { forceSync: true, preallocate: true });
    await run('forceSync, growing files', inFlight, { forceSync: true, preallocate: false });
    await run('forceSync=no', inFlight, { forceSync: false });
  }
}
