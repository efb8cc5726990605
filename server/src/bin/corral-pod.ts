#!/usr/bin/env node
// corral-pod [path/to/zoo.cfg] — the member image's command: corral-server for a container. Every member of an
// ensemble mounts the same zoo.cfg; what differs per pod comes from the environment (see pod-config.ts): on a
// first start dataDir/myid is written from CORRAL_SERVER_ID or the pod name's trailing number, listeners
// configured for every address bind to POD_IP, so members can also share one host network on distinct addresses,
// CORRAL_CONFIG_LINES adds the pod's own zoo.cfg lines and CORRAL_SUPER_DIGEST the super user's digest.
import { loadPodConfig, podSettings } from './pod-config.js';
import { serve } from './serve.js';

if (process.argv.length > 3) {
  process.stderr.write('usage: corral-pod [path/to/zoo.cfg]\n');
  process.exit(2);
}
serve('corral-pod', (log) => {
  const loaded = loadPodConfig(podSettings(process.env, process.argv[2]));
  if (loaded.wroteMyId) log.info({ serverId: loaded.config.serverId, dataDir: loaded.config.dataDir }, 'first start: wrote myid');
  return loaded;
});
