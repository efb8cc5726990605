// Service discovery over three regional clusters (three servers of one kind): advertise locally, look up
// locally then remotely in a fixed order, skip a stopped region, close idle remote sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceDiscovery, ZooKeeperClient, type Region } from '../../src/index.js';
import { TARGET_KINDS, startClientTarget, waitFor, type Target } from '../helpers/targets.js';

describe.each(TARGET_KINDS)('service discovery against three %s clusters', (kind) => {
  let targets: Target[] = [];
  let regions: Region[] = [];
  beforeAll(async () => {
    targets = await Promise.all([0, 1, 2].map(() => startClientTarget(kind)));
    regions = ['eu', 'us', 'ap'].map((name, i) => ({ name, connectString: targets[i]!.connectString }));
  });
  afterAll(async () => {
    await Promise.all(targets.map((t) => t.stop()));
  });

  const discoveryIn = (local: number, remotes: number[], idleTimeout = 60_000) =>
    new ServiceDiscovery({
      local: regions[local]!,
      remotes: remotes.map((i) => regions[i]!),
      idleTimeout,
      requestTimeout: 1500,
      sessionTimeout: 4000,
    });

  it('advertises on the local cluster only, falls back in order, skips a stopped region, closes idle sessions', async () => {
    const eu = discoveryIn(0, [1, 2], 400);
    const us = discoveryIn(1, [0, 2]);
    const ap = discoveryIn(2, [0, 1]);
    await Promise.all([eu.start(), us.start(), ap.start()]);
    try {
      await eu.advertise('billing', 'billing-eu-1', 'eu:1');
      await us.advertise('search', 'search-us-1', 'us:1');
      const adAp = await ap.advertise('search', 'search-ap-1', 'ap:1');
      await ap.advertise('maps', 'maps-ap-1', 'ap:2');

      // Each instance exists on its own region's cluster and nowhere else.
      const plain = await Promise.all(targets.map((t) => ZooKeeperClient.connect(t.connectString)));
      try {
        expect(await plain[0]!.getChildren('/services')).toEqual(['billing']);
        expect((await plain[1]!.getChildren('/services')).sort()).toEqual(['search']);
        expect((await plain[2]!.getChildren('/services')).sort()).toEqual(['maps', 'search']);
        expect((await plain[2]!.exists('/services/maps/maps-ap-1'))?.ephemeralOwner).not.toBe(0n);
      } finally {
        await Promise.all(plain.map((c) => c.close()));
      }

      // Local first: no remote session is opened for a local answer.
      expect(await eu.lookup('billing')).toEqual({
        region: 'eu',
        instances: [{ id: 'billing-eu-1', data: Buffer.from('eu:1') }],
        unreachable: [],
      });
      expect(eu.openRemoteRegions).toEqual([]);
      // Then remotes in the configured order: us before ap.
      expect((await eu.lookup('search')).region).toBe('us');
      expect((await eu.lookup('maps')).region).toBe('ap');
      expect(eu.openRemoteRegions.sort()).toEqual(['ap', 'us']);
      // Idle remote sessions are closed after the idle timeout.
      await waitFor(() => eu.openRemoteRegions.length === 0, 'idle remote sessions to close', 3000);

      // us goes down: eu's lookups skip it and find ap's instance, reporting us as unreachable.
      await targets[1]!.stop();
      const found = await eu.lookup('search');
      expect(found).toMatchObject({ region: 'ap', unreachable: ['us'] });
      expect(found.instances.map((i) => i.id)).toEqual(['search-ap-1']);
      expect(await eu.lookup('nothing')).toEqual({ region: undefined, instances: [], unreachable: ['us'] });
      // A process whose own (local) cluster is down still finds remote instances.
      expect(await us.lookup('maps')).toMatchObject({ region: 'ap', unreachable: ['us'] });
      // A withdrawn instance is no longer found.
      await adAp.withdraw();
      expect(await eu.lookup('search')).toEqual({ region: undefined, instances: [], unreachable: ['us'] });
      await waitFor(() => eu.openRemoteRegions.length === 0, 'idle remote sessions to close again', 3000);
    } finally {
      await Promise.all([eu.close(), us.close().catch(() => undefined), ap.close()]);
    }
    // Closing the local session withdrew the advertisements with it.
    const check = await ZooKeeperClient.connect(targets[0]!.connectString);
    expect(await check.getChildren('/services/billing').catch(() => [])).toEqual([]);
    await check.close();
  }, 60_000);
});
