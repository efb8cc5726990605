// When this Corral was built, for the ", built on <date>" that ZooKeeper appends to its version wherever it
// reports it (srvr/stat's first line, mntr's zk_version, envi's zookeeper.version). Monitoring tools and client
// libraries parse that line with patterns that require it; the date is printed as ZooKeeper 3.5 and 3.6 print it,
// `MM/dd/yyyy HH:mm GMT`, which the older patterns require (3.7+ print `yyyy-MM-dd HH:mm UTC`).
//
// The date is real, not a placeholder: `npm run build` records the time it compiled Corral next to the
// compiled code (record-build-date.ts), as ZooKeeper's build stamps its Version class. Files' own
// modification times would not do: npm packs every file with the same fixed 1985 timestamp. Run from the
// TypeScript sources (the tests), there is no build record: those sources are compiled as they load, so the
// time this module loaded is when the running code was built.
import { readFileSync, writeFileSync } from 'node:fs';

/** dist/build-info.json beside the compiled tree (dist/server/src/admin/ holds this module). */
const RECORD = new URL('../../../build-info.json', import.meta.url);

interface BuildInfo {
  builtAt: string;
}

function recordedBuildTime(): Date | undefined {
  let text: string;
  try {
    text = readFileSync(RECORD, 'utf8');
  } catch {
    return undefined;
  }
  let at: Date | undefined;
  try {
    at = new Date((JSON.parse(text) as BuildInfo).builtAt);
  } catch {
    // reported below
  }
  if (at === undefined || Number.isNaN(at.getTime())) throw new Error(`${RECORD.pathname} is not a build record: ${JSON.stringify(text)}`);
  return at;
}

/** Writes the build record; run once by the build, after tsc. */
export function recordBuildTime(at: Date): void {
  const info: BuildInfo = { builtAt: at.toISOString() };
  writeFileSync(RECORD, `${JSON.stringify(info)}\n`);
}

/** `MM/dd/yyyy HH:mm GMT`, in UTC. */
export function formatBuildDate(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getUTCMonth() + 1)}/${two(at.getUTCDate())}/${at.getUTCFullYear()} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())} GMT`;
}

const loadedAt = new Date();
let builtOn: string | undefined;

/** ZooKeeper's full version: the version, then when it was built. */
export function fullVersion(version: string): string {
  builtOn ??= formatBuildDate(recordedBuildTime() ?? loadedAt);
  return `${version}, built on ${builtOn}`;
}
