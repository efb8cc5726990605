import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fourLetterWord, parseMntr, ZK_35_VERSION_LINE } from '../../../test-support/four-letter-words.js';
import type { Target } from '../../../test-support/servers.js';
import { compatTargets, expectSameBehaviour, TargetPool } from './differential.js';

// `stat` and `dump` are left out of the whitelist to see how a refused word is answered.
const pool = new TargetPool({ '4lw.commands.whitelist': 'ruok, srvr, mntr, isro, conf' });
afterAll(() => pool.stopAll());

/** The parts of 4lw answers a monitoring client relies on: key order, fixed values, numeric shapes. */
async function shapes(t: Target): Promise<string> {
  const ask = (w: string) => fourLetterWord(t.host, t.port, w);
  const srvr = (await ask('srvr')).split('\n').map((l) => l
    .replace(/^Zookeeper version: [^,]+, built on .+$/, 'Zookeeper version: <version>, built on <date>')
    .replace(/^Latency min\/avg\/max: \d+\/[\d.]+\/\d+$/, 'Latency min/avg/max: <n>/<x.y>/<n>')
    .replace(/^(Received|Sent|Connections|Node count): \d+$/, '$1: <n>')
    .replace(/^Zxid: 0x[0-9a-f]+$/, 'Zxid: <hex>'));
  const mntr = parseMntr(await ask('mntr'));
  const conf = (await ask('conf')).split('\n').map((l) => l.split('=')[0]);
  return [
    `ruok: ${JSON.stringify(await ask('ruok'))}`,
    `isro: ${JSON.stringify(await ask('isro'))}`,
    'srvr:', ...srvr,
    `mntr zk_server_state: ${mntr.get('zk_server_state')}`,
    `mntr zk_outstanding_requests: ${mntr.get('zk_outstanding_requests')}`,
    `mntr numeric keys: ${['zk_znode_count', 'zk_watch_count', 'zk_num_alive_connections', 'zk_ephemerals_count',
      'zk_approximate_data_size', 'zk_avg_latency', 'zk_max_latency', 'zk_min_latency', 'zk_packets_received',
      'zk_packets_sent', 'zk_open_file_descriptor_count']
      .map((k) => `${k}=${/^\d+(\.\d+)?$/.test(mntr.get(k) ?? '') ? 'number' : mntr.get(k)}`).join(' ')}`,
    `conf keys: ${conf.filter(Boolean).join(',')}`,
    `stat (not whitelisted): ${JSON.stringify(await ask('stat'))}`,
    `xyzw (unknown word): ${JSON.stringify(await ask('xyzw').catch((e: Error) => `error ${e.message}`))}`,
  ].join('\n');
}

describe('four-letter words on the client port, Apache ZooKeeper vs Corral', () => {
  it('ruok, isro, srvr, mntr, conf, refused and unknown words', async () => {
    await expectSameBehaviour(pool, 'four_letter_words', shapes, (t) => {
      expect(t).toContain('ruok: "imok"');
      expect(t).toContain('isro: "rw"');
      expect(t).toContain(['srvr:', 'Zookeeper version: <version>, built on <date>', 'Latency min/avg/max: <n>/<x.y>/<n>', 'Received: <n>',
        'Sent: <n>', 'Connections: <n>', 'Outstanding: 0', 'Zxid: <hex>', 'Mode: standalone', 'Node count: <n>', ''].join('\n'));
      expect(t).toContain('mntr zk_server_state: standalone');
      expect(t).not.toMatch(/numeric keys: .*=(?!number)/);
      expect(t).toContain('stat (not whitelisted): "stat is not executed because it is not in the whitelist.\\n"');
    });
  });

  it.runIf(compatTargets().includes('corral'))("Corral's version line reads as ZooKeeper 3.5's, with the time its build recorded", async () => {
    const t = await pool.get('corral');
    const first = (await fourLetterWord(t.host, t.port, 'srvr')).split('\n')[0]!;
    const m = ZK_35_VERSION_LINE.exec(first);
    expect(m, first).not.toBeNull();
    const [, , month, day, year, hour, minute] = m!;
    const { builtAt } = JSON.parse(readFileSync(new URL('../../../dist/build-info.json', import.meta.url), 'utf8')) as { builtAt: string };
    const built = new Date(builtAt);
    expect(Date.UTC(+year!, +month! - 1, +day!, +hour!, +minute!)).toBe(built.getTime() - (built.getTime() % 60_000));
  });
});
