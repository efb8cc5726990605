// The Go ZooKeeper client (github.com/go-zookeeper/zk, built from go-client/ with modules from the Go module
// proxy) against Apache ZooKeeper and Corral: digest auth, ACLs, and the auth and watches it re-sends after a
// dropped connection, all numbered with ordinary xids (see go-client/main.go).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgram } from '../../../test-support/processes.js';
import type { Target } from '../../../test-support/servers.js';
import { goPath } from '../../../test-support/tools.js';
import { expectSameBehaviour, line, TargetPool } from './differential.js';

const SOURCE_DIR = fileURLToPath(new URL('./go-client/', import.meta.url));
const pool = new TargetPool({});
let buildDir: string;
let binary: string;

beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), 'corral-go-client-'));
  binary = join(buildDir, 'go-client');
  // The first build downloads the module and compiles it (tens of seconds); later ones come from Go's caches.
  const built = await runProgram(goPath(), ['build', '-buildvcs=false', '-o', binary, '.'], { cwd: SOURCE_DIR, timeoutMs: 240_000 });
  if (built.code !== 0) throw new Error(`go build failed (${built.timedOut ? 'timed out' : `exit ${built.code}`}):\n${built.stderr}`);
}, 250_000);

afterAll(async () => {
  await pool.stopAll();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

async function goClient(t: Target): Promise<string> {
  const res = await runProgram(binary, [t.connectString], { timeoutMs: 60_000 });
  if (res.code !== 0 || res.timedOut) {
    throw new Error(`go client against ${t.kind} ${res.timedOut ? 'timed out' : `exited ${res.code}`}:\n${res.stdout}\n${res.stderr}`);
  }
  return res.stdout;
}

describe('the Go client, Apache ZooKeeper vs Corral', () => {
  it('authenticates, and re-sends its auth and watches after a dropped connection', async () => {
    await expectSameBehaviour(pool, 'go_client', goClient, (t) => {
      expect(line(t, 'alice addauth digest')).toBe('alice addauth digest -> ok');
      expect(line(t, 'anonymous reads /go-auth')).toBe('anonymous reads /go-auth -> zk: not authenticated');
      expect(line(t, 'alice reads /go-auth with a watch')).toBe('alice reads /go-auth with a watch -> v1');
      expect(t).toContain('same session after the reconnect -> true');
      expect(line(t, 'the watch set before the cut fires')).toBe('the watch set before the cut fires -> EventNodeDataChanged /go-auth');
      expect(t).toContain('replies the client could not match -> 0');
    });
  }, 120_000);
});
