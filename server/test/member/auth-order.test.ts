// A write is checked against the identities its session had when it sent the write, as in ZooKeeper: an addauth
// sent right behind it must not lend the write identities it was sent without, whichever member applies it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, OpCode, Perms } from '../../../protocol/src/constants.js';
import { generateDigest } from '../../src/tree/acl.js';
import { MemberProcess } from './member-process.js';
import { WireClient } from './wire-client.js';

describe('identities of a write', () => {
  let dir: string;
  let member: MemberProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corral-auth-order-'));
    member = await MemberProcess.create(dir);
    await member.start();
  });

  afterAll(async () => {
    await member?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are those the session had when it sent the write, not those an addauth right behind it adds', async () => {
    const owner = { scheme: 'digest', id: generateDigest('owner:secret') };
    const setup = await WireClient.open(member.port);
    expect((await setup.send({ type: OpCode.Auth, scheme: 'digest', auth: Buffer.from('owner:secret'), authType: 0 })).err).toBe(ErrorCode.Ok);
    await setup.ok({ type: OpCode.Create, path: '/guarded', data: Buffer.from('v0'), acl: [{ perms: Perms.All, id: owner }, { perms: Perms.Read, id: { scheme: 'world', id: 'anyone' } }], flags: 0 });

    const c = await WireClient.open(member.port);
    // Both leave in one write: the addauth is read while the setData is still on its way through the log.
    c.socket.cork();
    const write = c.send({ type: OpCode.SetData, path: '/guarded', data: Buffer.from('v1'), version: -1 });
    const auth = c.send({ type: OpCode.Auth, scheme: 'digest', auth: Buffer.from('owner:secret'), authType: 0 });
    c.socket.uncork();
    expect((await write).err).toBe(ErrorCode.NoAuth);
    expect((await auth).err).toBe(ErrorCode.Ok);
    // The identities did arrive, for the writes sent after them.
    expect((await c.send({ type: OpCode.SetData, path: '/guarded', data: Buffer.from('v2'), version: -1 })).err).toBe(ErrorCode.Ok);
    const read = await setup.ok({ type: OpCode.GetData, path: '/guarded', watch: false });
    expect(read && 'data' in read && read.data?.toString()).toBe('v2');
    await Promise.all([c.close(), setup.close()]);
  });
});
