// Requests with an opcode a server does not take from clients (undefined numbers, the notification and error
// types, internal ones): raw frames, Apache ZooKeeper vs Corral. ZooKeeper answers UNIMPLEMENTED with the
// request's xid and closes the connection; the session lives on for the client's next connection.
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, OpCode, Perms } from '../../../protocol/src/constants.js';
import type { Target } from '../../../test-support/servers.js';
import { WireClient } from '../member/wire-client.js';
import { expectSameBehaviour, line, TargetPool } from './differential.js';

const pool = new TargetPool({});
afterAll(() => pool.stopAll());

/** Opcode, label and body of each request sent, one connection each. */
const PROBES: ReadonlyArray<readonly [number, string, Buffer]> = [
  [99, 'undefined opcode 99', Buffer.alloc(0)],
  [-7, 'undefined opcode -7', Buffer.alloc(0)],
  [OpCode.Notification, 'notification', Buffer.alloc(0)],
  [OpCode.Error, 'error', Buffer.alloc(0)],
];

async function unknownOpcodes(t: Target): Promise<string> {
  const setup = await WireClient.open(t.port);
  await setup.ok({ type: OpCode.Create, path: '/unknown-ops', data: null, acl: [{ perms: Perms.All, id: { scheme: 'world', id: 'anyone' } }], flags: 0 });
  await setup.close();
  const out: string[] = [];
  for (const [type, label, body] of PROBES) {
    const c = await WireClient.open(t.port);
    const h = await c.exchangeRaw(77, type, body).catch((e: Error) => e);
    const answer = h instanceof Error ? 'no reply' : `xid ${h.xid}, err ${h.err}`;
    const closed = await Promise.race([c.closed.then(() => 'closed'), new Promise((r) => setTimeout(r, 3000, 'open'))]);
    out.push(`${label} -> ${answer}, connection ${closed}`);
    c.socket.destroy();
  }
  const check = await WireClient.open(t.port);
  const exists = await check.send({ type: OpCode.Exists, path: '/unknown-ops', watch: false });
  out.push(`afterwards: exists /unknown-ops -> err ${exists.err}`);
  await check.close();
  return `${out.join('\n')}\n`;
}

describe('unknown opcodes, Apache ZooKeeper vs Corral', () => {
  it('answers UNIMPLEMENTED with the request xid and closes the connection', async () => {
    await expectSameBehaviour(pool, 'unknown_opcodes', unknownOpcodes, (t) => {
      for (const [, label] of PROBES) {
        expect(line(t, label)).toBe(`${label} -> xid 77, err ${ErrorCode.Unimplemented}, connection closed`);
      }
      expect(t).toContain('afterwards: exists /unknown-ops -> err 0');
    });
  });
});
