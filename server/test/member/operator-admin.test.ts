// A real standalone member answering what the operator asks over the AdminServer: /commands/members in the shared
// shape (parsed by the operator's own parser), /ready, and connection limits read and changed live with the super
// user's credentials (ZooKeeper 3.9's `Authorization: digest user:password`). Needs the built server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMembersReply } from '../../../protocol/src/admin-api.js';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { fourLetterWord } from '../../../test-support/four-letter-words.js';
import { freePort } from '../../../test-support/ports.js';
import { startCorral, type Target } from '../../../test-support/servers.js';
import { generateDigest } from '../../src/tree/acl.js';

const SUPER = 'digest super:opensesame';

async function startWithAdmin(extra: Record<string, string> = {}): Promise<Target> {
  return startCorral({ 'admin.enableServer': true, 'admin.serverAddress': '127.0.0.1', 'admin.serverPort': await freePort(), ...extra });
}

const get = async (t: Target, path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`http://127.0.0.1:${t.adminPort}${path}`, { headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

/** Whether a new connection from this address is let in (a refused one is closed before it is answered). */
const admitted = async (t: Target) => (await fourLetterWord('127.0.0.1', t.port, 'ruok', 3000).catch(() => '')) === 'imok';

describe('operator admin surface of a standalone member', () => {
  let member: Target;
  beforeAll(async () => {
    member = await startWithAdmin({ 'DigestAuthenticationProvider.superDigest': generateDigest('super:opensesame') });
  });
  afterAll(() => member?.stop());

  it('/commands/members answers the shared shape; /ready is 200', async () => {
    const reply = parseMembersReply((await get(member, '/commands/members')).json);
    expect(reply.self).toMatchObject({ id: 1, server_state: 'standalone', ready: true, connection_limits: { per_client_address: 60, total: 0 } });
    expect(reply.self.last_zxid).toMatch(/^0x[0-9a-f]+$/);
    // The member lists itself under the id it reports as its own.
    expect(reply.members).toMatchObject([{ id: 1, is_leader: true, connected: true }]);
    const ready = await get(member, '/ready');
    expect(ready).toMatchObject({ status: 200, json: { ready: true, server_state: 'standalone' } });
  });

  it('connection_limits: shown to anyone, set only by the super user, enforced on new connections, open ones kept', async () => {
    expect(await get(member, '/commands/connection_limits')).toEqual({
      status: 200,
      json: { per_client_address: 60, total: 0, command: 'connection_limits', error: null },
    });
    const set = (query: string, headers: Record<string, string> = { Authorization: SUPER }) => get(member, `/commands/connection_limits?${query}`, headers);
    expect(await set('per_client_address=2', {})).toMatchObject({ status: 401, json: { error: 'Auth info is missing for the command' } });
    expect(await set('per_client_address=2', { Authorization: 'digest super:guess' })).toMatchObject({ status: 403, json: { error: 'Not authorized' } });
    expect(await set('per_client_address=-1')).toMatchObject({ status: 400, json: { error: expect.stringMatching(/per_client_address must be a whole number/) } });
    expect((await get(member, '/commands/connection_limits')).json.per_client_address).toBe(60); // nothing changed

    const clients = await Promise.all([1, 2, 3].map(() => ZooKeeperClient.connect(member.connectString, { sessionTimeout: 10_000 })));
    try {
      expect(await set('per_client_address=2')).toEqual({ status: 200, json: { per_client_address: 2, total: 0, command: 'connection_limits', error: null } });
      // Three open connections from 127.0.0.1 stay and work; a fourth is refused.
      for (const c of clients) expect(await c.exists('/')).toBeTruthy();
      expect(await admitted(member)).toBe(false);
      // conf shows the limit in force (its four-letter form would need a connection, refused now).
      expect((await get(member, '/commands/configuration')).json.max_client_cnxns).toBe(2);

      expect((await set('per_client_address=0&total=3')).json).toMatchObject({ per_client_address: 0, total: 3 });
      expect(await admitted(member)).toBe(false);
      expect((await set('total=0')).json).toMatchObject({ per_client_address: 0, total: 0 });
      expect(await admitted(member)).toBe(true);
      const members = parseMembersReply((await get(member, '/commands/members')).json);
      expect(members.self.connection_limits).toEqual({ per_client_address: 0, total: 0 });
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('refuses setting limits when no super user is configured (403), while showing them', async () => {
    const plain = await startWithAdmin();
    try {
      const refused = await get(plain, '/commands/connection_limits?total=5', { Authorization: SUPER });
      expect(refused).toMatchObject({ status: 403, json: { error: expect.stringMatching(/none is configured \(DigestAuthenticationProvider\.superDigest\)/) } });
      expect((await get(plain, '/commands/connection_limits')).json).toMatchObject({ per_client_address: 60, total: 0 });
    } finally {
      await plain.stop();
    }
  });
});
