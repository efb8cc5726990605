/**
 * Normalizes client transcripts so two correct servers produce the same text. Scenario output marks the
 * values that legitimately differ between servers with tags:
 *   <zxid:N>     (N decimal or 0x-hex) becomes Z0 for zero, else Z1, Z2, ... by ascending value, so equality
 *                and order between zxids survive while their absolute values and gaps do not;
 *   <session:N>  becomes S1, S2, ... in order of first appearance (only equality is meaningful).
 */
const TAG = /<(zxid|session):(0x[0-9a-fA-F]+|-?\d+)>/g;

export function normalizeTranscript(text: string): string {
  const zxids = new Set<bigint>();
  for (const m of text.matchAll(TAG)) if (m[1] === 'zxid') zxids.add(BigInt(m[2]!));
  const rank = new Map<bigint, number>();
  [...zxids].filter((z) => z !== 0n).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).forEach((z, i) => rank.set(z, i + 1));
  const sessions = new Map<bigint, number>();
  return text.replace(TAG, (_all, kind: string, raw: string) => {
    const value = BigInt(raw);
    if (kind === 'zxid') return `Z${value === 0n ? 0 : rank.get(value)}`;
    if (!sessions.has(value)) sessions.set(value, sessions.size + 1);
    return `S${sessions.get(value)}`;
  });
}

/**
 * Tags the zxids, session ids and dates that the ZooKeeper shells print, and drops lines that vary from
 * run to run (timings, JVM and logging noise), so their output can go through normalizeTranscript.
 */
export function tagShellOutput(text: string): string {
  const noise = [
    /^SLF4J:/, /^time = \d+ msec$/, /^Connecting to /, /^Welcome to ZooKeeper!$/, /^JLine support is /,
    /^session Id = /, /^\s*$/,
  ];
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => !noise.some((re) => re.test(line)))
    .map((line) => line
      // zkCli `stat`: cZxid = 0x4, mZxid, pZxid; ephemeralOwner = 0x1000...
      .replace(/^(cZxid|mZxid|pZxid) = (0x[0-9a-f]+)$/, '$1 = <zxid:$2>')
      .replace(/^ephemeralOwner = (0x[0-9a-f]+)$/, (_l, v: string) => `ephemeralOwner = ${v === '0x0' ? '0' : `<session:${v}>`}`)
      .replace(/^(ctime|mtime) = .*$/, '$1 = <date>')
      // cli_mt: czxid=1e (hex without 0x), ctime = <date>, session ids
      .replace(/^(\s*)(czxid|mzxid|pzxid)=([0-9a-f]+)/, '$1$2=<zxid:0x$3>')
      .replace(/^(\s*)(ctime|mtime) ?= ?[A-Z][a-z]{2} .*$/, '$1$2 = <date>')
      .replace(/ephemeralOwner = ([0-9a-f]+)$/, (_l, v: string) => `ephemeralOwner = ${v === '0' ? '0' : `<session:0x${v}>`}`)
      .replace(/session id: (0x[0-9a-f]+)/i, 'session id: <session:$1>'))
    .join('\n')
    .replace(/(?:^\t[^\s=]+\n)+/gm, sortLines);
}

/** cli_mt lists children one per tab-indented line, in the server's hash order: sort each such run. */
function sortLines(block: string): string {
  return `${block.trimEnd().split('\n').sort().join('\n')}\n`;
}
