// Four-letter words against text captured from Apache ZooKeeper 3.8 (standalone, `4lw.commands.whitelist=*`,
// two sessions owning /eph1 and /eph2, data watches on /a and /a/b). The fake view reproduces that state.
import { describe, expect, it } from 'vitest';
import { formatConf } from '../../src/config/conf-dump.js';
import { argumentBytes, fourLetterWordResponse, runFourLetterWord } from '../../src/admin/four-letter.js';
import { FOUR_LETTER_WORD_NAMES } from '../../../protocol/src/framing.js';
import { parseMntr } from '../../../test-support/four-letter-words.js';
import { fullVersion } from '../../src/admin/build-date.js';
import { ZOO_CFG, fakeView, quorumView } from './fake-view.js';

/** The version as ZooKeeper prints it wherever it reports one: with ", built on <date>" (see build-date.test.ts). */
const FULL_VERSION = fullVersion(fakeView().version);

describe('server statistics words', () => {
  it('srvr prints ZooKeeper 3.8 lines in its order', () => {
    // Observed: "Zookeeper version: 3.8.0-…, built on 2024-12-29 17:54 UTC\nLatency min/avg/max: 0/6.75/21\nReceived: 21\nSent: 21\nConnections: 3\n
    // Outstanding: 0\nZxid: 0x6\nMode: standalone\nNode count: 9\n"
    expect(runFourLetterWord('srvr', fakeView())).toBe(
      `Zookeeper version: ${FULL_VERSION}\nLatency min/avg/max: 0/6.75/21\nReceived: 21\nSent: 21\nConnections: 2\n` +
        'Outstanding: 0\nZxid: 0x6\nMode: standalone\nNode count: 9\n',
    );
  });

  it('stat adds the brief client list; averages keep a fraction digit', () => {
    const view = fakeView();
    view.stats.avgLatency = 0;
    view.conns[1]!.queued = 2;
    expect(runFourLetterWord('stat', view)).toBe(
      `Zookeeper version: ${FULL_VERSION}\nClients:\n /127.0.0.1:47752[1](queued=0,recved=6,sent=6)\n` +
        ' /127.0.0.1:47764[1](queued=2,recved=4,sent=4)\n\nLatency min/avg/max: 0/0.0/21\nReceived: 21\nSent: 21\n' +
        'Connections: 2\nOutstanding: 0\nZxid: 0x6\nMode: standalone\nNode count: 9\n',
    );
  });

  it('a read-only member says so under the version line', () => {
    const view = fakeView();
    view.readOnly = true;
    view.currentMode = 'read-only';
    const lines = runFourLetterWord('srvr', view).split('\n');
    expect(lines[1]).toBe('READ-ONLY mode; serving only read-only clients');
    expect(lines).toContain('Mode: read-only');
    expect(runFourLetterWord('isro', view)).toBe('ro');
  });

  it('cons prints each connection with its session fields, as ServerCnxn.dumpConnectionInfo', () => {
    const view = fakeView();
    view.conns.push({ ...view.conns[0]!, remotePort: 47782, sessionId: undefined, received: 1, sent: 0 });
    expect(runFourLetterWord('cons', view)).toBe(
      ' /127.0.0.1:47752[1](queued=0,recved=6,sent=6,sid=0x100000b3ecd0000,lop=GETC,est=1795443926516,to=10000,' +
        'lcxid=0x4,lzxid=0x6,lresp=742074,llat=4,minlat=0,avglat=7,maxlat=17)\n' +
        ' /127.0.0.1:47764[1](queued=0,recved=4,sent=4,sid=0x100000b3ecd0001,lop=EXIS,est=1795443926518,to=10000,' +
        'lcxid=0x2,lzxid=0x6,lresp=742076,llat=5,minlat=0,avglat=8,maxlat=21)\n' +
        ' /127.0.0.1:47782[1](queued=0,recved=1,sent=0)\n\n',
    );
  });

  it('prints negative cxids not at all and negative zxids as 64-bit hex, like Long.toHexString', () => {
    const view = fakeView();
    view.conns = [{ ...view.conns[0]!, lastCxid: -1, lastZxid: -1 }];
    const line = runFourLetterWord('cons', view);
    expect(line).not.toContain('lcxid');
    expect(line).toContain(',lzxid=0xffffffffffffffff,');
  });

  it('crst and srst reset the statistics and confirm', () => {
    const view = fakeView();
    expect(runFourLetterWord('crst', view)).toBe('Connection stats reset.\n');
    expect(view.connResets).toBe(2);
    expect(runFourLetterWord('srst', view)).toBe('Server stats reset.\n');
    expect(view.statsResets).toBe(1);
  });
});

describe('watch words', () => {
  it('wchs, wchc and wchp match ZooKeeper text', () => {
    const view = fakeView();
    expect(runFourLetterWord('wchs', view)).toBe('2 connections watching 2 paths\nTotal watches:3\n');
    expect(runFourLetterWord('wchc', view)).toBe('0x100000b3ecd0000\n\t/a\n0x100000b3ecd0001\n\t/a\n\t/a/b\n\n');
    expect(runFourLetterWord('wchp', view)).toBe('/a\n\t0x100000b3ecd0000\n\t0x100000b3ecd0001\n/a/b\n\t0x100000b3ecd0001\n\n');
  });

  it('with no watches: an empty summary and a lone newline', () => {
    const view = fakeView();
    for (const c of view.conns) view.watches.removeWatcher(c.watcherKey as never);
    expect(runFourLetterWord('wchs', view)).toBe('0 connections watching 0 paths\nTotal watches:0\n');
    expect(runFourLetterWord('wchc', view)).toBe('\n');
    expect(runFourLetterWord('wchp', view)).toBe('\n');
  });
});

describe('dump, conf, dirs, envi', () => {
  it('dump lists sessions by expiry bucket and ephemerals by session on a standalone member', () => {
    expect(runFourLetterWord('dump', fakeView())).toBe(
      'SessionTracker dump:\nSession Sets (1)/(2):\n2 expire at Mon Nov 23 14:25:38 UTC 2026:\n' +
        '\t0x100000b3ecd0000\n\t0x100000b3ecd0001\nephemeral nodes dump:\nSessions with Ephemerals (2):\n' +
        '0x100000b3ecd0000:\n\t/eph1\n0x100000b3ecd0001:\n\t/eph2\nConnections dump:\n',
    );
  });

  it('dump on a follower uses the learner form with timeouts', () => {
    const text = runFourLetterWord('dump', quorumView('follower'));
    expect(text.split('\n').slice(0, 4)).toEqual([
      'SessionTracker dump:',
      'Global Sessions(2):',
      '0x100000b3ecd0000\t10000ms',
      '0x100000b3ecd0001\t10000ms',
    ]);
  });

  it('conf is the configuration dump (ZooKeeper standalone sample)', () => {
    expect(runFourLetterWord('conf', fakeView())).toBe(
      'clientPort=21911\nsecureClientPort=-1\ndataDir=/tmp/zkref/data/version-2\ndataDirSize=457\n' +
        'dataLogDir=/tmp/zkref/data/version-2\ndataLogSize=458\ntickTime=2000\nmaxClientCnxns=60\n' +
        'minSessionTimeout=4000\nmaxSessionTimeout=40000\nclientPortListenBacklog=-1\nserverId=0\n',
    );
  });

  it('conf of an ensemble member shows the current membership', () => {
    const view = quorumView('follower');
    view.quorumView!.servers = view.quorumView!.servers.slice(0, 2);
    const text = runFourLetterWord('conf', view);
    expect(text).toBe(formatConf({ ...view.config, servers: view.quorumView!.servers }, view.dirSizes()));
    expect(text).toContain('membership: \n');
    expect(text).not.toContain('server.3=');
  });

  it('dirs prints both sizes', () => {
    expect(runFourLetterWord('dirs', fakeView())).toBe('datadir_size: 457\nlogdir_size: 458\n');
  });

  it('envi starts with Environment: and prints key=value lines with ZooKeeper keys', () => {
    const lines = runFourLetterWord('envi', fakeView()).split('\n');
    expect(lines[0]).toBe('Environment:');
    expect(lines[1]).toBe(`zookeeper.version=${FULL_VERSION}`);
    const keys = lines.slice(1, -1).map((l) => l.slice(0, l.indexOf('=')));
    expect(keys).toEqual(expect.arrayContaining(['host.name', 'os.name', 'os.arch', 'os.version', 'user.name', 'user.dir', 'os.memory.free']));
    expect(lines.at(-1)).toBe('');
  });
});

describe('mntr', () => {
  it('prints tab-separated zk_ lines, version and state first, as ZooKeeper 3.8', () => {
    const text = runFourLetterWord('mntr', fakeView());
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    for (const l of lines) expect(l).toMatch(/^zk_[a-z_]+\t\S.*$/);
    expect(lines.slice(0, 2)).toEqual([`zk_version\t${FULL_VERSION}`, 'zk_server_state\tstandalone']);
    const m = parseMntr(text);
    expect(Object.fromEntries(['zk_avg_latency', 'zk_max_latency', 'zk_min_latency', 'zk_packets_received', 'zk_packets_sent',
      'zk_num_alive_connections', 'zk_outstanding_requests', 'zk_znode_count', 'zk_watch_count', 'zk_ephemerals_count',
      'zk_approximate_data_size'].map((k) => [k, m.get(k)]))).toEqual({
      zk_avg_latency: '6.75', zk_max_latency: '21', zk_min_latency: '0', zk_packets_received: '21', zk_packets_sent: '21',
      zk_num_alive_connections: '2', zk_outstanding_requests: '0', zk_znode_count: '9', zk_watch_count: '3',
      zk_ephemerals_count: '2', zk_approximate_data_size: '66',
    });
    expect(Number(m.get('zk_open_file_descriptor_count'))).toBeGreaterThan(2);
    expect(Number(m.get('zk_max_file_descriptor_count'))).toBeGreaterThanOrEqual(Number(m.get('zk_open_file_descriptor_count')));
    expect(Number(m.get('zk_uptime'))).toBeGreaterThanOrEqual(10_774);
    expect(m.get('zk_avg_fsynctime')).toBe('2.5');
    expect(m.has('zk_followers')).toBe(false);
    expect(m.has('zk_peer_state')).toBe(false);
  });

  it('a leader adds peer state, quorum size and its follower counts', () => {
    const m = parseMntr(runFourLetterWord('mntr', quorumView('leader')));
    expect(m.get('zk_server_state')).toBe('leader');
    expect(m.get('zk_peer_state')).toBe('leading - broadcast');
    expect(m.get('zk_quorum_size')).toBe('3');
    expect([m.get('zk_followers'), m.get('zk_synced_followers'), m.get('zk_pending_syncs')]).toEqual(['2', '2', '0']);
    const follower = parseMntr(runFourLetterWord('mntr', quorumView('follower')));
    expect(follower.has('zk_synced_followers')).toBe(false);
  });
});

describe('whitelist, liveness and the raw-bytes entry point', () => {
  it('refuses words not in 4lw.commands.whitelist with ZooKeeper\'s text, but always runs srvr', () => {
    const view = fakeView(ZOO_CFG.replace('4lw.commands.whitelist=*', '4lw.commands.whitelist=ruok, conf'));
    expect(runFourLetterWord('mntr', view)).toBe('mntr is not executed because it is not in the whitelist.\n');
    expect(runFourLetterWord('stat', view)).toBe('stat is not executed because it is not in the whitelist.\n');
    expect(runFourLetterWord('ruok', view)).toBe('imok');
    expect(runFourLetterWord('srvr', view)).toMatch(/^Zookeeper version: /);
    const defaults = fakeView(ZOO_CFG.replace('4lw.commands.whitelist=*\n', ''));
    expect(runFourLetterWord('ruok', defaults)).toBe('ruok is not executed because it is not in the whitelist.\n');
  });

  it('`*` enables every word the connection recognises, hash included', () => {
    const view = fakeView();
    expect(view.config.fourLetterWords).toEqual(new Set(FOUR_LETTER_WORD_NAMES));
    for (const word of FOUR_LETTER_WORD_NAMES) expect(runFourLetterWord(word, view)).not.toContain('whitelist');
    // hash: ZooKeeper prints its digest history; Corral keeps none, so the answer is empty, not a refusal.
    expect(runFourLetterWord('hash', view)).toBe('');
    const others = fakeView(ZOO_CFG.replace('4lw.commands.whitelist=*', '4lw.commands.whitelist=ruok'));
    expect(runFourLetterWord('hash', others)).toBe('hash is not executed because it is not in the whitelist.\n');
  });

  it('ruok answers imok only while serving; other words say the member is not serving', () => {
    const view = fakeView();
    expect(runFourLetterWord('ruok', view)).toBe('imok');
    view.running = false;
    expect(runFourLetterWord('ruok', view)).toBe('');
    expect(runFourLetterWord('mntr', view)).toBe('This ZooKeeper instance is not currently serving requests\n');
    expect(runFourLetterWord('isro', view)).toBe('null');
    expect(runFourLetterWord('gtmk', view)).toBe('306');
  });

  it('gtmk/stmk keep the trace mask as a 64-bit number; stmk reads it from the 8 bytes after the word', () => {
    const view = fakeView();
    expect(runFourLetterWord('gtmk', view)).toBe('306');
    expect(argumentBytes('stmk')).toBe(8);
    expect(argumentBytes('mntr')).toBe(0);
    const mask = Buffer.alloc(8);
    mask.writeBigInt64BE(-2n);
    expect(fourLetterWordResponse(Buffer.from('stmk'), view, mask).toString()).toBe('-2');
    expect(runFourLetterWord('gtmk', view)).toBe('-2');
    expect(runFourLetterWord('gtmk', fakeView())).toBe('306');
  });

  it('answers raw bytes with UTF-8 text, and unknown bytes or telnet close with nothing', () => {
    const view = fakeView();
    expect(fourLetterWordResponse(Buffer.from('ruok'), view).toString()).toBe('imok');
    expect(fourLetterWordResponse(Buffer.from('isro'), view).toString()).toBe('rw');
    expect(fourLetterWordResponse(Buffer.from('hash'), view).length).toBe(0);
    expect(fourLetterWordResponse(Buffer.from([0xff, 0xf4, 0xff, 0xfd]), view).length).toBe(0);
    expect(fourLetterWordResponse(Buffer.from('nope'), view).length).toBe(0);
  });
});
