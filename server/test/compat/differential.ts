import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { runKazoo } from '../../../test-support/clients.js';
import { startTarget, type Target, type TargetKind } from '../../../test-support/servers.js';
import { normalizeTranscript } from '../../../test-support/transcript.js';
import type { ZooCfg } from '../../../test-support/zoo-cfg.js';

/** The servers every compatibility test runs against: env COMPAT_TARGETS, default both. */
export function compatTargets(): TargetKind[] {
  const kinds = (process.env.COMPAT_TARGETS ?? 'zookeeper,corral').split(',').map((k) => k.trim()).filter(Boolean);
  for (const k of kinds) {
    if (k !== 'zookeeper' && k !== 'corral') throw new Error(`COMPAT_TARGETS: unknown target ${k}`);
  }
  return kinds as TargetKind[];
}

/**
 * One server of each kind per test file, started on first use with the same zoo.cfg; a start failure
 * (a missing Corral build, say) is kept and reported by every test that needs that server.
 */
export class TargetPool {
  private readonly started = new Map<TargetKind, Promise<Target>>();

  constructor(private readonly cfg: ZooCfg) {}

  get(kind: TargetKind): Promise<Target> {
    let t = this.started.get(kind);
    if (!t) {
      t = startTarget(kind, this.cfg);
      t.catch(() => {}); // reported to the tests that await it
      this.started.set(kind, t);
    }
    return t;
  }

  async stopAll(): Promise<void> {
    const all = [...this.started.values()];
    this.started.clear();
    await Promise.all(all.map((t) => t.then((target) => target.stop(), () => {})));
  }
}

/**
 * Runs a scenario against every target, checks `facts` on each transcript (so Apache ZooKeeper's own run
 * is checked too), reports targets that failed to run, then asserts all transcripts are equal.
 * With COMPAT_DUMP_DIR set, each transcript is also written to <dir>/<name>.<kind>.txt for diffing.
 */
export async function expectSameBehaviour(
  pool: TargetPool,
  name: string,
  scenario: (target: Target) => Promise<string>,
  facts: (transcript: string, kind: TargetKind) => void,
): Promise<Map<TargetKind, string>> {
  const transcripts = new Map<TargetKind, string>();
  const failures: string[] = [];
  for (const kind of compatTargets()) {
    try {
      transcripts.set(kind, await scenario(await pool.get(kind)));
    } catch (err) {
      failures.push(`${kind}: ${(err as Error).message}`);
    }
  }
  const dumpDir = process.env.COMPAT_DUMP_DIR;
  if (dumpDir) {
    mkdirSync(dumpDir, { recursive: true });
    for (const [kind, transcript] of transcripts) writeFileSync(join(dumpDir, `${name}.${kind}.txt`), transcript);
  }
  for (const [kind, transcript] of transcripts) {
    try {
      facts(transcript, kind);
    } catch (err) {
      (err as Error).message = `[${kind}] ${(err as Error).message}`; // say whose transcript broke the fact
      throw err;
    }
  }
  if (failures.length) throw new Error(`scenario could not run against:\n${failures.join('\n')}`);
  const reference = transcripts.get('zookeeper');
  const corral = transcripts.get('corral');
  if (reference !== undefined && corral !== undefined) {
    expect(corral, 'Corral transcript differs from Apache ZooKeeper').toBe(reference);
  }
  return transcripts;
}

const KAZOO_DIR = fileURLToPath(new URL('./kazoo/', import.meta.url));

/** Runs a kazoo scenario against a target; fails on a non-zero exit; returns the normalized transcript. */
export async function kazooTranscript(target: Target, script: string): Promise<string> {
  const res = await runKazoo(`${KAZOO_DIR}${script}`, target.connectString);
  if (res.code !== 0 || res.timedOut) {
    throw new Error(`${script} against ${target.kind} exited ${res.timedOut ? 'on timeout' : res.code}:\n` +
      `${res.stdout}\n--- stderr ---\n${res.stderr.split('\n').slice(-30).join('\n')}`);
  }
  return normalizeTranscript(res.stdout);
}

/** The superDigest value for `user:password`, as DigestAuthenticationProvider computes it. */
export function superDigest(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

/** Lines of a transcript that start with `label` (` -> ` or ` !! ` follows), for targeted assertions. */
export function line(transcript: string, label: string): string {
  const found = transcript.split('\n').find((l) => l.startsWith(`${label} -> `) || l.startsWith(`${label} !! `));
  if (found === undefined) throw new Error(`no line for "${label}" in transcript:\n${transcript}`);
  return found;
}
