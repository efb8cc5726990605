// `check` (opcode 13) belongs inside a multi. Alone, ZooKeeper 3.9.3 answers it UNIMPLEMENTED and closes the
// connection, as for any unknown request; the session survives for the client's next connection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, OpCode } from '../../../protocol/src/constants.js';
import { MemberProcess } from './member-process.js';
import { WireClient } from './wire-client.js';

describe('check outside a multi', () => {
  let dir: string;
  let member: MemberProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corral-check-alone-'));
    member = await MemberProcess.create(dir);
    await member.start();
  });

  afterAll(async () => {
    await member?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is answered UNIMPLEMENTED and the connection closed; inside a multi it still works', async () => {
    const c = await WireClient.open(member.port);
    await c.ok({ type: OpCode.Create, path: '/checked', data: null, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 });
    const multi = await c.send({ type: OpCode.Multi, ops: [{ type: OpCode.Check, path: '/checked', version: 0 }] });
    expect(multi.err).toBe(ErrorCode.Ok);
    expect((await c.send({ type: OpCode.Check, path: '/checked', version: 0 })).err).toBe(ErrorCode.Unimplemented);
    await c.closed;
    // Nothing was applied for it: the node is as it was.
    const d = await WireClient.open(member.port);
    const stat = await d.ok({ type: OpCode.Exists, path: '/checked', watch: false });
    expect(stat && 'stat' in stat && stat.stat.version).toBe(0);
    await d.close();
  });
});
