import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** zoo.cfg keys and values, exactly as they would be written in the file. */
export type ZooCfg = Record<string, string | number | boolean>;

/**
 * The configuration both kinds of server get: the caller's keys over test defaults, with dataDir and
 * clientPort filled in. All four-letter words are allowed so readiness can be probed with `ruok`, and
 * the AdminServer is off unless asked for (its default port 8080 would collide between tests).
 */
export function completeZooCfg(cfg: ZooCfg, dataDir: string, clientPort: number): ZooCfg {
  return {
    tickTime: 2000,
    '4lw.commands.whitelist': '*',
    'admin.enableServer': false,
    ...cfg,
    dataDir,
    clientPort,
  };
}

export function renderZooCfg(cfg: ZooCfg): string {
  return Object.entries(cfg).map(([k, v]) => `${k}=${String(v)}\n`).join('');
}

export function writeZooCfg(dir: string, cfg: ZooCfg): string {
  const path = join(dir, 'zoo.cfg');
  writeFileSync(path, renderZooCfg(cfg));
  return path;
}
