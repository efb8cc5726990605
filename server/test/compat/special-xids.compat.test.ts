// How a server answers requests whose replies clients match by a reserved xid (ping -2, auth -4, setWatches -8)
// when a client numbers them like any other request, as the Go client does for auth and setWatches and
// node-zookeeper-client for setWatches: raw frames with chosen xids, Apache ZooKeeper vs Corral.
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, OpCode, Perms, Xid } from '../../../protocol/src/constants.js';
import type { ClientRequest, ReplyHeader } from '../../../protocol/src/records.js';
import type { Target } from '../../../test-support/servers.js';
import { WireClient } from '../member/wire-client.js';
import { expectSameBehaviour, line, TargetPool } from './differential.js';

const pool = new TargetPool({});
afterAll(() => pool.stopAll());

const digest = (who: string): ClientRequest => ({ type: OpCode.Auth, authType: 0, scheme: 'digest', auth: Buffer.from(who) });
const setWatches = (type: OpCode.SetWatches | OpCode.SetWatches2, relativeZxid: number): ClientRequest =>
  type === OpCode.SetWatches
    ? { type, relativeZxid, dataWatches: ['/xids'], existWatches: [], childWatches: [] }
    : { type, relativeZxid, dataWatches: [], existWatches: ['/xids/none'], childWatches: ['/xids'], persistentWatches: [], persistentRecursiveWatches: [] };

async function specialXids(t: Target): Promise<string> {
  const c = await WireClient.open(t.port);
  const created = await c.send({ type: OpCode.Create, path: '/xids', data: null, acl: [{ perms: Perms.All, id: { scheme: 'world', id: 'anyone' } }], flags: 0 });
  if (created.err !== ErrorCode.Ok) throw new Error(`create /xids failed with ${created.err}`);
  const last = created.zxid;
  const out: string[] = [];
  const show = (label: string, h: ReplyHeader) =>
    out.push(`${label} -> xid ${h.xid}, err ${h.err}, zxid ${h.zxid === last ? 'last' : h.zxid}`);
  const exchange = async (label: string, xid: number, req: ClientRequest) => show(`${label} sent with xid ${xid}`, await c.exchange(xid, req));

  await exchange('setWatches', 41, setWatches(OpCode.SetWatches, last));
  await exchange('setWatches', Xid.SetWatches, setWatches(OpCode.SetWatches, last));
  await exchange('setWatches2', 42, setWatches(OpCode.SetWatches2, last));
  await exchange('auth', 43, digest('alice:secret'));
  await exchange('auth', Xid.Auth, digest('bob:secret'));
  await exchange('ping', 44, { type: OpCode.Ping });
  await exchange('ping', Xid.Ping, { type: OpCode.Ping });
  const who = await c.send({ type: OpCode.WhoAmI });
  const ids = who.body?.type === OpCode.WhoAmI ? who.body.clientInfo.map((i) => `${i.authScheme}:${i.user}`).sort() : [];
  out.push(`whoAmI -> ${ids.join(' ')}`);
  // A scheme the server does not know: AUTHFAILED with the request's xid, then the server closes the connection.
  await exchange('auth with an unknown scheme', 45, { type: OpCode.Auth, authType: 0, scheme: 'nosuchscheme', auth: Buffer.from('x') });
  const closed = await Promise.race([c.closed.then(() => 'closed'), new Promise((r) => setTimeout(r, 5000, 'still open after 5 s'))]);
  out.push(`connection after the failed auth: ${closed}`);
  c.socket.destroy();
  return `${out.join('\n')}\n`;
}

describe('special xids, Apache ZooKeeper vs Corral', () => {
  it('echoes the xid of auth and setWatches, answers every ping with -2, auth with zxid 0', async () => {
    await expectSameBehaviour(pool, 'special_xids', specialXids, (t) => {
      expect(line(t, 'setWatches sent with xid 41')).toBe('setWatches sent with xid 41 -> xid 41, err 0, zxid last');
      expect(line(t, 'setWatches sent with xid -8')).toBe('setWatches sent with xid -8 -> xid -8, err 0, zxid last');
      expect(line(t, 'setWatches2 sent with xid 42')).toBe('setWatches2 sent with xid 42 -> xid 42, err 0, zxid last');
      expect(line(t, 'auth sent with xid 43')).toBe('auth sent with xid 43 -> xid 43, err 0, zxid 0');
      expect(line(t, 'auth sent with xid -4')).toBe('auth sent with xid -4 -> xid -4, err 0, zxid 0');
      expect(line(t, 'ping sent with xid 44')).toBe('ping sent with xid 44 -> xid -2, err 0, zxid last');
      expect(line(t, 'ping sent with xid -2')).toBe('ping sent with xid -2 -> xid -2, err 0, zxid last');
      expect(line(t, 'whoAmI')).toBe('whoAmI -> digest:alice digest:bob ip:127.0.0.1');
      expect(line(t, 'auth with an unknown scheme sent with xid 45')).toBe(
        `auth with an unknown scheme sent with xid 45 -> xid 45, err ${ErrorCode.AuthFailed}, zxid 0`,
      );
      expect(t).toContain('connection after the failed auth: closed');
    });
  });
});
