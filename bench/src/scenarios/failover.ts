// Failover: how long writes stop when the leader dies. Needs an ensemble; a standalone run reports n/a.
import type { BenchSettings, Scenario } from '../settings.js';
import { figures } from './common.js';

export const failover: Scenario = {
  name: 'failover',
  description: 'write outage when the leader is killed (needs --members 3)',
  run: async (_kind, s: BenchSettings) => {
    const fig = figures('failover');
    const why = s.members > 1 ? 'not implemented yet' : 'needs ensemble';
    return [fig('write outage after leader kill', 'ms', 'lower', null, why)];
  },
};
