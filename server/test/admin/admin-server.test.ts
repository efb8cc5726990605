// The AdminServer over HTTP, compared with JSON captured from Apache ZooKeeper 3.8's AdminServer for the same
// state (see fake-view.ts): key names and order, `command` (primary name) and `error` last, errors as HTTP 200.
import { afterEach, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer, type EndpointAnswer } from '../../src/admin/admin-server.js';
import { CommandRefusal } from '../../src/admin/commands.js';
import { fakeView, quorumView, SESSION_1, type FakeView } from './fake-view.js';

let server: AdminServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(view: FakeView = fakeView(), commandURL = '/commands'): Promise<string> {
  server = await startAdminServer(view, { ...view.config.admin, serverPort: 0, commandURL });
  return `http://127.0.0.1:${server.port}`;
}

async function command(base: string, name: string): Promise<{ status: number; type: string | null; text: string; json: Record<string, unknown> }> {
  const res = await fetch(`${base}/commands/${name}`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, json: JSON.parse(text) as Record<string, unknown> };
}

describe('AdminServer', () => {
  it('lists primary command names as sorted links', async () => {
    const base = await start();
    for (const path of ['/commands', '/commands/']) {
      const text = await (await fetch(base + path)).text();
      const names = [...text.matchAll(/<a href="\/commands\/([a-z_]+)">\1<\/a>\n<br\/>\n/g)].map((m) => m[1]);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['configuration', 'connections', 'dump', 'environment', 'is_read_only',
        'leader', 'monitor', 'ruok', 'server_stats', 'stats', 'voting_view', 'watch_summary', 'watches', 'watches_by_path', 'zabstate']));
      expect(names).not.toContain('srvr');
    }
  });

  it('ruok is {command, error: null} in Jackson\'s layout', async () => {
    const r = await command(await start(), 'ruok');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json');
    expect(r.text).toBe('{\n  "command" : "ruok",\n  "error" : null\n}');
  });

  it('aliases answer with the primary name', async () => {
    const base = await start();
    for (const [alias, primary] of [['srvr', 'server_stats'], ['mntr', 'monitor'], ['conf', 'configuration'], ['config', 'configuration'],
      ['cons', 'connections'], ['envi', 'environment'], ['isro', 'is_read_only'], ['wchc', 'watches'], ['wchp', 'watches_by_path'],
      ['wchs', 'watch_summary'], ['lead', 'leader'], ['gtmk', 'get_trace_mask'], ['stat', 'stats'], ['lsnp', 'last_snapshot']]) {
      expect((await command(base, alias!)).json.command).toBe(primary);
    }
  });

  it('server_stats and stats carry ZooKeeper\'s keys; 64-bit ids stay exact', async () => {
    const base = await start();
    const srvr = await command(base, 'server_stats');
    expect(Object.keys(srvr.json)).toEqual(['version', 'read_only', 'server_stats', 'node_count', 'command', 'error']);
    expect(Object.keys(srvr.json.server_stats as object)).toEqual(['packets_sent', 'packets_received', 'fsync_threshold_exceed_count',
      'data_dir_size', 'log_dir_size', 'provider_null', 'server_state', 'last_processed_zxid', 'outstanding_requests',
      'avg_latency', 'max_latency', 'min_latency', 'num_alive_client_connections', 'uptime']);
    expect(srvr.text).toContain('"avg_latency" : 6.75,');
    const stat = await command(base, 'stats');
    expect(stat.json.connections).toEqual([
      { remote_socket_address: '127.0.0.1:47752', interest_ops: 1, outstanding_requests: 0, packets_received: 6, packets_sent: 6 },
      { remote_socket_address: '127.0.0.1:47764', interest_ops: 1, outstanding_requests: 0, packets_received: 4, packets_sent: 4 },
    ]);
    expect(stat.json.secure_connections).toEqual([]);
    const cons = await command(base, 'connections');
    const first = (cons.json.connections as Array<Record<string, unknown>>)[0]!;
    expect(Object.keys(first)).toEqual(['remote_socket_address', 'interest_ops', 'outstanding_requests', 'packets_received',
      'packets_sent', 'session_id', 'last_operation', 'established', 'session_timeout', 'last_cxid', 'last_zxid',
      'last_response_time', 'last_latency', 'min_latency', 'avg_latency', 'max_latency']);
    expect(cons.text).toContain(`"session_id" : ${SESSION_1},`);
  });

  it('watch and dump commands match ZooKeeper\'s maps', async () => {
    const base = await start();
    expect((await command(base, 'watches')).text).toBe(
      '{\n  "session_id_to_watched_paths" : {\n    "72057642336190464" : [ "/a" ],\n    "72057642336190465" : [ "/a", "/a/b" ]\n  },\n' +
        '  "command" : "watches",\n  "error" : null\n}',
    );
    expect((await command(base, 'watches_by_path')).text).toBe(
      '{\n  "path_to_session_ids" : {\n    "/a" : [ 72057642336190464, 72057642336190465 ],\n    "/a/b" : [ 72057642336190465 ]\n  },\n' +
        '  "command" : "watches_by_path",\n  "error" : null\n}',
    );
    expect((await command(base, 'watch_summary')).json).toEqual({ num_connections: 2, num_paths: 2, num_total_watches: 3, command: 'watch_summary', error: null });
    const dump = await command(base, 'dump');
    expect(Object.keys(dump.json)).toEqual(['expiry_time_to_session_ids', 'session_id_to_ephemeral_paths', 'command', 'error']);
    expect(dump.json.session_id_to_ephemeral_paths).toEqual({ '72057642336190464': ['/eph1'], '72057642336190465': ['/eph2'] });
    expect(Object.values(dump.json.expiry_time_to_session_ids as object)).toHaveLength(1);
  });

  it('configuration, dirs, is_read_only, initial_configuration, last_snapshot, hash', async () => {
    const view = fakeView();
    const base = await start(view);
    expect((await command(base, 'configuration')).json).toEqual({
      client_port: 21911, data_dir: '/tmp/zkref/data/version-2', data_log_dir: '/tmp/zkref/data/version-2', tick_time: 2000,
      max_client_cnxns: 60, min_session_timeout: 4000, max_session_timeout: 40000, server_id: 0, client_port_listen_backlog: -1,
      command: 'configuration', error: null,
    });
    expect((await command(base, 'dirs')).json).toEqual({ datadir_size: 457, logdir_size: 458, command: 'dirs', error: null });
    expect((await command(base, 'is_read_only')).json).toEqual({ read_only: false, command: 'is_read_only', error: null });
    expect((await command(base, 'initial_configuration')).json.initial_configuration).toBe(view.config.initialConfig);
    expect((await command(base, 'last_snapshot')).json).toEqual({ zxid: 'ffffffffffffffff', timestamp: -1, command: 'last_snapshot', error: null });
    expect((await command(base, 'hash')).json).toEqual({ digests: [], command: 'hash', error: null });
  });

  it('standalone: leader is an error, voting_view empty, zabstate blank — as ZooKeeper standalone', async () => {
    const base = await start();
    expect((await command(base, 'leader')).text).toBe('{\n  "error" : "server is not initialized",\n  "command" : "leader"\n}');
    expect((await command(base, 'voting_view')).text).toBe('{\n  "current_config" : { },\n  "command" : "voting_view",\n  "error" : null\n}');
    expect((await command(base, 'zabstate')).json).toEqual({ voting: false, zabstate: '', command: 'zabstate', error: null });
  });

  it('ensemble member: leader, voting_view and zabstate describe the quorum', async () => {
    const view = quorumView('follower');
    view.quorumView!.servers.push({ id: 4, host: '127.0.0.4', quorumPort: 2888, electionPort: 3888, role: 'observer' });
    const base = await start(view);
    expect((await command(base, 'leader')).json).toEqual({ is_leader: false, leader_id: 1, leader_ip: '127.0.0.1', command: 'leader', error: null });
    const vv = (await command(base, 'voting_view')).json.current_config as Record<string, unknown>;
    expect(Object.keys(vv)).toEqual(['1', '2', '3']);
    expect(vv['2']).toEqual({ server_addresses: ['127.0.0.2:2888'], election_addresses: ['127.0.0.2:3888'], client_address: '0.0.0.0:2181', learner_type: 'participant' });
    const zab = (await command(base, 'zabstate')).json;
    expect(zab).toMatchObject({ myid: 2, is_leader: false, quorum_address: '127.0.0.2:2888', election_address: '127.0.0.2:3888',
      voting: true, last_zxid: '0x6', zab_epoch: 0, zab_counter: 6, zabstate: 'broadcast', command: 'zabstate', error: null });
    const monitor = (await command(base, 'monitor')).json;
    expect(monitor).toMatchObject({ server_state: 'follower', peer_state: 'following - broadcast', quorum_size: 3 });
  });

  it('monitor holds mntr\'s values with doubles kept as doubles', async () => {
    const view = fakeView();
    view.stats.avgLatency = 0;
    const r = await command(await start(view), 'monitor');
    expect(Object.keys(r.json).slice(0, 2)).toEqual(['version', 'server_state']);
    expect(r.text).toContain('"avg_latency" : 0.0,');
    expect(r.json).toMatchObject({ znode_count: 9, watch_count: 3, ephemerals_count: 2, num_alive_connections: 2 });
  });

  it('trace mask commands validate their argument like ZooKeeper', async () => {
    const base = await start();
    expect((await command(base, 'get_trace_mask')).json).toEqual({ tracemask: 306, command: 'get_trace_mask', error: null });
    expect((await command(base, 'set_trace_mask')).text).toBe(
      '{\n  "error" : "setTraceMask requires long traceMask argument",\n  "command" : "set_trace_mask"\n}',
    );
    expect((await command(base, 'set_trace_mask?traceMask=abc')).json.error).toBe('setTraceMask requires long traceMask argument, got abc');
    expect((await command(base, 'set_trace_mask?traceMask=9223372036854775808')).json.error).toMatch(/got 9223372036854775808$/);
    expect((await command(base, 'set_trace_mask?traceMask=1234')).json).toEqual({ tracemask: 1234, command: 'set_trace_mask', error: null });
    expect((await command(base, 'gtmk')).json.tracemask).toBe(1234);
  });

  it('unknown commands and a member not serving answer errors with HTTP 200', async () => {
    const view = fakeView();
    const base = await start(view);
    expect((await command(base, 'nosuch')).json).toEqual({ command: 'nosuch', error: 'Unknown command: nosuch' });
    expect((await command(base, 'ruok/extra')).json).toEqual({ command: 'ruok/extra', error: 'Unknown command: ruok/extra' });
    view.running = false;
    expect((await command(base, 'srvr')).json).toEqual({ command: 'srvr', error: 'This ZooKeeper instance is not currently serving requests' });
    expect((await command(base, 'environment')).json.error).toBeNull();
  });

  it('stat_reset and connection_stat_reset reset', async () => {
    const view = fakeView();
    const base = await start(view);
    expect((await command(base, 'stat_reset')).json).toEqual({ command: 'stat_reset', error: null });
    expect((await command(base, 'crst')).json).toEqual({ command: 'connection_stat_reset', error: null });
    expect([view.statsResets, view.connResets]).toEqual([1, 2]);
  });

  it('runs commands the member registers, under their aliases, and lists them', async () => {
    const base = await start();
    server!.registerCommand('transfer_leadership', ['xfer'], async (_v, args) => new Map([['target', Number(args.get('to'))]]));
    expect((await command(base, 'xfer?to=3')).json).toEqual({ target: 3, command: 'transfer_leadership', error: null });
    expect(await (await fetch(`${base}/commands`)).text()).toContain('<a href="/commands/transfer_leadership">');
  });

  it('answers a refused command with its HTTP status and the error in ZooKeeper\'s body; passes the Authorization header', async () => {
    const base = await start();
    const seen: Array<string | undefined> = [];
    server!.registerCommand('guarded', [], (_v, _args, request) => {
      seen.push(request.authorization);
      return request.authorization === undefined ? new CommandRefusal(401, 'Auth info is missing for the command') : new Map([['ok', true]]);
    });
    const refused = await command(base, 'guarded');
    expect([refused.status, refused.json]).toEqual([401, { command: 'guarded', error: 'Auth info is missing for the command' }]);
    const allowed = await fetch(`${base}/commands/guarded`, { headers: { Authorization: 'digest super:secret' } });
    expect([allowed.status, await allowed.json()]).toEqual([200, { ok: true, command: 'guarded', error: null }]);
    expect(seen).toEqual([undefined, 'digest super:secret']);
  });

  it('serves registered endpoints outside the command URL with their status; GET only', async () => {
    const base = await start();
    let ready = false;
    server!.registerEndpoint('/ready', async (): Promise<EndpointAnswer> =>
      ready ? { status: 200, body: { ready } } : { status: 503, body: { ready, reason: 'no leader' } },
    );
    const first = await fetch(`${base}/ready`);
    expect([first.status, first.headers.get('content-type'), await first.json()]).toEqual([503, 'application/json', { ready: false, reason: 'no leader' }]);
    ready = true;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/ready`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/readyz`)).status).toBe(404);
    expect((await command(base, 'ready')).json.error).toBe('Unknown command: ready');
  });

  it('a command registered for POST answers POST only; the others GET only', async () => {
    const base = await start();
    let runs = 0;
    server!.registerCommand('change_it', [], () => new Map([['runs', ++runs]]), { method: 'POST' });
    const get = await fetch(`${base}/commands/change_it`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    const post = await fetch(`${base}/commands/change_it?x=1`, { method: 'POST', body: 'ignored' });
    expect([post.status, await post.json()]).toEqual([200, { runs: 1, command: 'change_it', error: null }]);
    expect(runs).toBe(1);
    const posted = await fetch(`${base}/commands/ruok`, { method: 'POST' });
    expect([posted.status, posted.headers.get('allow')]).toEqual([405, 'GET']);
  });

  it('honours admin.commandURL, 404s elsewhere, refuses other methods, serves /metrics', async () => {
    const base = await start(fakeView(), '/zk/');
    expect(((await (await fetch(`${base}/zk/ruok`)).json()) as { command: string }).command).toBe('ruok');
    expect((await fetch(`${base}/commands/ruok`)).status).toBe(404);
    expect((await fetch(`${base}/zk/ruok`, { method: 'POST' })).status).toBe(405);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^znode_count 9$/m);
  });
});
