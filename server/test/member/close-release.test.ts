// After a closeSession reply the member lets go of the socket at once, as ZooKeeper does, instead of keeping it
// half-open until the client sends its FIN: in a fleet shutting down, each such FIN would otherwise be one more
// read event, stream end and teardown handled outside the member's turn budget.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpCode, PROTOCOL_VERSION, Xid } from '../../../protocol/src/constants.js';
import { encodeConnectRequest, encodeRequest } from '../../../protocol/src/messages.js';
import { sleep, waitFor } from '../peer/helpers.js';
import { MemberProcess } from './member-process.js';
import { rawSocket } from './wire-client.js';

/** A client socket that never sends FIN of its own (allowHalfOpen), recording what happens to it. */
async function halfOpenClient(port: number) {
  const socket = await rawSocket(port, true);
  let bytes = 0;
  socket.on('data', (b: Buffer) => (bytes += b.length));
  const ended = new Promise<void>((r) => socket.once('end', () => r()));
  const failed = new Promise<string>((r) => socket.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? e.message)));
  return { socket, received: () => bytes, ended, failed };
}

describe('closing a session', () => {
  let dir: string;
  let member: MemberProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corral-close-release-'));
    member = await MemberProcess.create(dir);
    await member.start();
  });

  afterAll(async () => {
    await member?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replies, sends FIN and releases the socket without waiting for the client to close its side', async () => {
    const c = await halfOpenClient(member.port);
    c.socket.write(encodeConnectRequest({ protocolVersion: PROTOCOL_VERSION, lastZxidSeen: 0, timeOut: 30_000, sessionId: 0n,
      passwd: Buffer.alloc(16), readOnly: false }));
    await waitFor('the connect response', () => c.received() > 0);
    const handshake = c.received();
    c.socket.write(encodeRequest(1, { type: OpCode.CloseSession }));
    // The reply (a 16-byte header behind the 4-byte length), then the member's FIN.
    await c.ended;
    expect(c.received()).toBe(handshake + 20);
    // Our side is still open. Bytes sent now reach a socket the member no longer holds: the kernel answers them
    // with a reset, which the next write reports. (A member still holding its half would read them, silently.)
    const ping = encodeRequest(Xid.Ping, { type: OpCode.Ping });
    c.socket.write(ping);
    await sleep(200);
    c.socket.write(ping);
    const outcome = await Promise.race([c.failed, sleep(3000).then(() => 'no reset: the member still holds the socket')]);
    expect(['ECONNRESET', 'EPIPE']).toContain(outcome);
    c.socket.destroy();
  });
});
