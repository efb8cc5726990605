// What `kubectl corral status` and `quota` print, from a cluster, its pods and the leader's answer.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { formatLimits, formatUsage, NO_LIMITS } from '../../../protocol/src/quota.js';
import type { MembersReply } from '../../../protocol/src/admin-api.js';
import type { CoordinationCluster } from '../../src/api/index.js';
import { age, bytes, columns, quotaTable, statusScreen } from '../../src/kubectl-plugin/format.js';
import { parseListQuota, quotaRows, quotaState } from '../../src/kubectl-plugin/quota.js';

const now = new Date('2026-03-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();

const member = (id: number, group: string, extra: object = {}) => ({
  name: `orders-${id}`,
  serverId: id,
  group,
  role: 'participant' as const,
  leaderEligible: true,
  ready: true,
  zxid: '0x200000011',
  lag: 0,
  ...extra,
});

const cc: CoordinationCluster = {
  apiVersion: 'corral.dev/v1alpha1',
  kind: 'CoordinationCluster',
  metadata: { name: 'orders', namespace: 'apps', generation: 4, creationTimestamp: ago(3 * 3600 + 20 * 60) as unknown as Date },
  spec: {
    image: 'localhost/corral:dev',
    groups: [
      { name: 'region-1', voters: 2 },
      { name: 'region-3', voters: 1, leaderEligible: false, observers: 1 },
    ],
    quotas: [
      { path: '/billing', maxNodes: 100, maxBytes: 10 * 1024 * 1024 },
      { path: '/search', maxNodes: 50 },
    ],
  },
  status: {
    observedGeneration: 4,
    leader: 'orders-1',
    voters: 3,
    readyVoters: 3,
    connectString: 'orders-1.orders-members.apps.svc.cluster.local:2181,orders-2.orders-members.apps.svc.cluster.local:2181',
    members: [
      member(1, 'region-1'),
      member(2, 'region-1', { lag: 3 }),
      member(3, 'region-3', { leaderEligible: false }),
      member(4, 'region-3', { role: 'observer', leaderEligible: false, ready: false, zxid: undefined, lag: undefined }),
    ],
    quotaPaths: ['/billing', '/old', '/search'],
    conditions: [
      { type: 'Ready', status: 'False', reason: 'MembersUnavailable', message: 'members not ready: 4', lastTransitionTime: ago(95), observedGeneration: 4 },
      { type: 'Available', status: 'True', reason: 'QuorumServing', message: 'leader 1; 3 of 3 voters ready', lastTransitionTime: ago(3 * 3600), observedGeneration: 4 },
    ],
  },
};

const pods = [1, 2, 3, 4].map((id): V1Pod => ({ metadata: { name: `orders-${id}` }, spec: { containers: [], nodeName: `corral-node-${id === 4 ? 3 : id}` } }));

const entry = (id: number, extra: object) => ({ id, host: `h${id}`, client_port: 2181, role: 'participant' as const, never_leader: false, is_leader: false, lag: 0, connected: true, sync: 'synced' as const, change: null, ...extra });
const live: MembersReply = {
  members: [entry(1, { is_leader: true, sync: null }), entry(2, { lag: 7, sync: 'catchingUp' }), entry(3, { role: 'neverleader', never_leader: true }), entry(4, { role: 'observer', lag: null, connected: false, sync: 'silent' })],
  self: { id: 1, server_state: 'leader', last_zxid: '0x200000011', ready: true, connection_limits: { per_client_address: 60, total: 0 } },
};

describe('kubectl corral: formatting', () => {
  it('aligns columns two spaces apart without trailing spaces', () => {
    expect(columns([['NAME', 'ID', 'X'], ['orders-10', '10', ''], ['a', '1', 'y']])).toBe('NAME       ID  X\norders-10  10\na          1   y');
  });

  it.each([
    [0, '0s'], [119, '119s'], [120, '2m'], [192, '3m12s'], [599, '9m59s'], [600, '10m'], [3 * 3600 - 1, '179m'],
    [3 * 3600, '3h'], [3 * 3600 + 20 * 60, '3h20m'], [8 * 3600, '8h'], [47 * 3600, '47h'], [48 * 3600, '2d'],
    [5 * 86400 + 3 * 3600, '5d3h'], [90 * 86400, '90d'], [3 * 365 * 86400, '3y'],
  ])('age of %d s is %s', (s, text) => expect(age(s * 1000)).toBe(text));

  it.each([
    [0, '0'], [1023, '1023'], [1024, '1Ki'], [1536, '1.5Ki'], [10 * 1024 * 1024, '10Mi'], [5 * 1024 ** 3 + 1, '5Gi'],
  ])('%d bytes are %s', (n, text) => expect(bytes(n)).toBe(text));

  it('the status screen: header, members with the live lag and sync, quotas, conditions', () => {
    const quotas = quotaRows(cc).map((r) =>
      r.path === '/billing' ? { ...r, ensemble: { countHardLimit: 100, byteHardLimit: 10485760, count: 42, bytes: 1536 } }
      : r.path === '/search' ? { ...r, ensemble: null }
      : { ...r, ensemble: { countHardLimit: 5, byteHardLimit: -1, count: 1, bytes: 0 } },
    );
    expect(statusScreen({ cc, pods, live, quotas, now })).toBe(
      [
        'Cluster:  apps/orders (age 3h20m)',
        'Status:   Not ready, MembersUnavailable: members not ready: 4',
        'Voters:   3/3 ready, 4 members',
        'Leader:   orders-1',
        'Image:    localhost/corral:dev',
        'Connect:  orders-1.orders-members.apps.svc.cluster.local:2181,orders-2.orders-members.apps.svc.cluster.local:2181',
        '',
        'Members:',
        '  NAME      ID  GROUP     ROLE         STATE     READY  LAG  SYNC        ZXID         NODE',
        '  orders-1  1   region-1  participant  leader    yes    0    -           0x200000011  corral-node-1',
        '  orders-2  2   region-1  participant  follower  yes    7    catchingUp  0x200000011  corral-node-2',
        '  orders-3  3   region-3  neverleader  follower  yes    0    synced      0x200000011  corral-node-3',
        '  orders-4  4   region-3  observer     observer  no     -    silent      -            corral-node-3',
        '',
        'Quotas:',
        '  PATH      NODES         BYTES            STATE',
        '  /billing  42/100 (42%)  1.5Ki/10Mi (0%)  applied',
        '  /search   ?/50          -                not applied yet',
        '  /old      1             0                being removed (dropped from spec.quotas)',
        '',
        'Conditions:',
        '  TYPE       STATUS  REASON              AGE  MESSAGE',
        '  Ready      False   MembersUnavailable  95s  members not ready: 4',
        '  Available  True    QuorumServing       3h   leader 1; 3 of 3 voters ready',
      ].join('\n'),
    );
  });

  it('without a live answer: the operator\'s lag, and why', () => {
    const screen = statusScreen({ cc, pods, liveError: 'there is no leader', quotas: [], now });
    expect(screen).toContain('  orders-2  2   region-1  participant  follower  yes    3    -     0x200000011  corral-node-2');
    expect(screen).toContain("(live lag and sync unavailable: there is no leader; LAG is the operator's last observation)");
    expect(screen).toContain('Quotas:\n  none declared');
  });

  it("leadership that moved since the operator's last look: the members' word wins", () => {
    const moved: MembersReply = { ...live, members: live.members.map((m) => ({ ...m, is_leader: m.id === 2 })) };
    const screen = statusScreen({ cc, pods, live: moved, quotas: [], now });
    expect(screen).toContain('Leader:   orders-2\n');
    expect(screen).toMatch(/^ {2}orders-1 .* follower /m);
    expect(screen).toMatch(/^ {2}orders-2 .* leader /m);
  });

  it('a quorum recovery the operator carried out shows in the header', () => {
    const recovered: CoordinationCluster = { ...cc, status: { ...cc.status, recovery: { request: 'r1', survivor: 2, zxid: '0x200000011', at: new Date(now.getTime() - 120_000).toISOString() } } };
    expect(statusScreen({ cc: recovered, pods, live, quotas: [], now })).toContain('Recovered:  from orders-2 (last zxid 0x200000011) 2m ago, after a quorum loss\n');
    expect(statusScreen({ cc, pods, live, quotas: [], now })).not.toContain('Recovered:');
  });

  it('a cluster the operator has not seen yet', () => {
    const fresh: CoordinationCluster = { ...cc, metadata: { ...cc.metadata, generation: 5 }, status: { observedGeneration: 4 } };
    const screen = statusScreen({ cc: fresh, pods: [], quotas: [], now });
    expect(screen).toContain('Status:   no status yet (is the operator running?)');
    expect(screen).toContain('Note:     the operator has not acted on generation 5 yet (status is of 4)');
    expect(screen).toContain('Members:\n  none yet');
    expect(screen).toContain('Conditions:\n  none yet');
  });
});

describe('kubectl corral: quotas', () => {
  const listquota = (path: string, limits: string, usage: string) => ({
    code: 0,
    stderr: '',
    stdout: `absolute path is /zookeeper/quota${path}/zookeeper_limits\nOutput quota for ${path} ${limits}\nOutput stat for ${path} ${usage}\n`,
  });

  it('reads listquota output (the texts the quota nodes hold)', () => {
    const out = listquota('/app', formatLimits({ ...NO_LIMITS, countHardLimit: 10 }), formatUsage(4, 12));
    expect(parseListQuota('/app', out)).toEqual({ countHardLimit: 10, byteHardLimit: -1, count: 4, bytes: 12 });
    expect(parseListQuota('/app', { code: 1, stdout: '', stderr: 'quota for /app does not exist.\n' })).toBeNull();
    expect(() => parseListQuota('/app', { code: 1, stdout: '', stderr: 'CONNECTIONLOSS: ...' })).toThrow(/listquota \/app: CONNECTIONLOSS/);
    expect(() => parseListQuota('/app', { code: 0, stdout: 'nothing', stderr: '' })).toThrow(/no "Output quota for" line/);
  });

  it('rows: declared quotas, then paths still managed; their state against the ensemble', () => {
    const rows = quotaRows(cc);
    expect(rows.map((r) => [r.path, r.declared])).toEqual([
      ['/billing', { maxNodes: 100, maxBytes: 10485760 }],
      ['/search', { maxNodes: 50 }],
      ['/old', undefined],
    ]);
    const search = rows[1]!;
    expect(quotaState(search)).toBe('unknown');
    expect(quotaState({ ...search, ensemble: null })).toBe('pending');
    expect(quotaState({ ...search, ensemble: { countHardLimit: 50, byteHardLimit: -1, count: 0, bytes: 0 } })).toBe('applied');
    expect(quotaState({ ...search, ensemble: { countHardLimit: 40, byteHardLimit: -1, count: 0, bytes: 0 } })).toBe('pending');
    expect(quotaState({ ...rows[2]!, ensemble: null })).toBe('removing');
  });

  it('the quota table: used/limit with a percentage, a full quota at 100%', () => {
    expect(quotaTable([{ path: '/a', declared: { maxNodes: 3, maxBytes: 0 }, ensemble: { countHardLimit: 3, byteHardLimit: 0, count: 3, bytes: 0 } }])).toBe(
      ['PATH  NODES       BYTES     STATE', '/a    3/3 (100%)  0/0 (0%)  applied'].join('\n'),
    );
  });
});
