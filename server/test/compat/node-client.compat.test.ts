import { afterAll, describe, expect, it } from 'vitest';
import { expectSameBehaviour, line, TargetPool } from './differential.js';
import { nodeClientTranscript } from './node-client-scenario.js';

const pool = new TargetPool({});
afterAll(() => pool.stopAll());

describe('node-zookeeper-client, Apache ZooKeeper vs Corral', () => {
  it('operations, ACLs, transactions, and watches re-sent after a reconnect', async () => {
    await expectSameBehaviour(pool, 'node_client', nodeClientTranscript, (t) => {
      expect(line(t, 'create ephemeral sequential')).toBe('create ephemeral sequential -> /nzk/e-0000000000');
      expect(line(t, 'create existing')).toContain('!! NODE_EXISTS');
      expect(line(t, 'setData bad version')).toContain('!! BAD_VERSION');
      expect(line(t, 'setData on read-only')).toContain('!! NO_AUTH');
      expect(line(t, 'failing transaction')).toContain('!! BAD_VERSION');
      expect(line(t, 'nothing applied')).toBe('nothing applied -> null');
      expect(t).toContain('a: same session after reconnect: true');
      expect(t).toMatch(/\[a\] event NODE_DATA_CHANGED \/nzk\/w\n\[a\] event NODE_CREATED \/nzk\/later\n\[a\] event NODE_CHILDREN_CHANGED \/nzk\/t\ndone$/);
    });
  }, 60_000);
});
