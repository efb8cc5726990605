// A client workload for real-process ensemble tests: sequential creates whose acknowledged names are recorded,
// and a way to read what a member holds after the dust settles.
import { ZooKeeperClient } from '../../../client/src/index.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates sequential children of `dir` as fast as acknowledgements come back, recording each acknowledged name. */
export function workload(zk: ZooKeeperClient, dir: string) {
  const acked: string[] = [];
  let running = true;
  let failures = 0;
  const done = (async () => {
    while (running) {
      try {
        acked.push(await zk.create(`${dir}/w-`, Buffer.from('x'), { mode: 2 /* persistent sequential */ }));
      } catch {
        failures++; // connection loss during a failover: outcome unknown, not counted as acknowledged
        await sleep(20);
      }
    }
  })();
  return { acked, failures: () => failures, stop: async () => ((running = false), await done) };
}

export async function childrenOn(port: number, dir: string): Promise<Set<string>> {
  const zk = await ZooKeeperClient.connect(`127.0.0.1:${port}`, { sessionTimeout: 10_000 });
  try {
    await zk.sync(dir);
    return new Set((await zk.getChildren(dir)).map((c) => (dir === '/' ? `/${c}` : `${dir}/${c}`)));
  } finally {
    await zk.close();
  }
}

