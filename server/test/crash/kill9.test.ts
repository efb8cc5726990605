// Durability under kill -9: a member with forceSync=yes takes concurrent writes and is SIGKILLed at random
// moments, then restarted on the same data directory. Every acknowledged write must survive, and a multi is
// either wholly there or wholly absent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, OpCode } from '../../../protocol/src/constants.js';
import type { MultiOp } from '../../../protocol/src/records.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { MemberProcess } from '../member/member-process.js';
import { CONNECTION_CLOSED, WireClient } from '../member/wire-client.js';

const ITERATIONS = 4;
const WRITERS = 4;
const MULTI_PARTS = ['a', 'b', 'c'];

const createOp = (path: string): MultiOp => ({ type: OpCode.Create, path, data: Buffer.from(path), acl: [...OPEN_ACL_UNSAFE], flags: 0 });

interface Ledger {
  /** Single creates the member acknowledged. */
  acked: Set<string>;
  /** Multis sent (acknowledged or not), by prefix; the value says whether they were acknowledged. */
  multis: Map<string, boolean>;
}

/**
 * Writes until the connection dies, recording each acknowledgement the moment it arrives: a create acknowledged just
 * before the kill counts even though the multi sent with it never returns.
 */
async function writeLoad(client: WireClient, tag: string, ledger: Ledger): Promise<void> {
  for (let n = 0; ; n++) {
    const path = `/c-${tag}-${n}`;
    const prefix = `/m-${tag}-${n}-`;
    ledger.multis.set(prefix, false);
    const single = client.send(createOp(path)).then((reply) => {
      expect(reply.err).toBe(ErrorCode.Ok);
      ledger.acked.add(path);
    });
    const multi = client.send({ type: OpCode.Multi, ops: MULTI_PARTS.map((p) => createOp(prefix + p)) }).then((reply) => {
      const results = (reply.body as { results: Array<{ type: number }> }).results;
      expect(results.map((r) => r.type)).toEqual(MULTI_PARTS.map(() => OpCode.Create));
      ledger.multis.set(prefix, true);
    });
    const failures = (await Promise.allSettled([single, multi])).flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
    if (failures.length === 0) continue;
    // The member is gone (a send rejects once the connection closes); any other failure is the test's.
    const other = failures.find((e) => !e.message.startsWith(CONNECTION_CLOSED));
    if (other) throw other;
    return;
  }
}

async function verify(client: WireClient, ledger: Ledger): Promise<void> {
  const { children } = (await client.ok({ type: OpCode.GetChildren, path: '/', watch: false })) as { children: string[] };
  const present = new Set(children.map((c) => `/${c}`));
  const missing = [...ledger.acked].filter((p) => !present.has(p));
  expect(missing, 'acknowledged creates lost').toEqual([]);
  for (const [prefix, acked] of ledger.multis) {
    const parts = MULTI_PARTS.filter((p) => present.has(prefix + p));
    if (acked) expect(parts, `acknowledged multi ${prefix}`).toEqual(MULTI_PARTS);
    else expect([0, MULTI_PARTS.length], `multi ${prefix} half applied: ${parts}`).toContain(parts.length);
  }
  // Data survives intact too (a sample is enough: each node holds its own path).
  const sample = [...ledger.acked].slice(-20);
  const got = await Promise.all(sample.map((p) => client.ok({ type: OpCode.GetData, path: p, watch: false })));
  got.forEach((g, i) => expect((g as { data: Buffer }).data.toString()).toBe(sample[i]));
}

describe('kill -9 with forceSync=yes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-crash-'));
  let member: MemberProcess | undefined;

  afterAll(async () => {
    await member?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write and never half-applies a multi', async () => {
    member = await MemberProcess.create(dir, { forceSync: 'yes' });
    const ledger: Ledger = { acked: new Set(), multis: new Map() };
    for (let iter = 0; iter < ITERATIONS; iter++) {
      await member.start();
      const checker = await WireClient.open(member.port);
      await verify(checker, ledger);
      await checker.close();
      const writers = await Promise.all(Array.from({ length: WRITERS }, () => WireClient.open(member!.port)));
      const load = writers.map((w, i) => writeLoad(w, `${iter}-${i}`, ledger));
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
      const before = ledger.acked.size;
      await member.kill('SIGKILL');
      await Promise.all(load);
      expect(member.exitSignal).toBe('SIGKILL');
      expect(ledger.acked.size, 'the member acknowledged writes before it was killed').toBeGreaterThan(0);
      expect(ledger.acked.size).toBeGreaterThanOrEqual(before);
    }
    await member.start();
    const checker = await WireClient.open(member.port);
    await verify(checker, ledger);
    await checker.close();
    expect(member.output).not.toMatch(/"level":(50|60)/);
  });
});
