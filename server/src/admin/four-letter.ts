// ZooKeeper's four-letter words: the text each prints, gated by 4lw.commands.whitelist. The connection layer
// recognises a word in place of the first frame length (protocol's fourLetterWord()), hands the bytes to
// fourLetterWordResponse, writes the answer and closes, as ZooKeeper does. One row per word of protocol's
// FOUR_LETTER_WORD_NAMES (the list config's `*` enables), checked complete by the compiler.
import type { FourLetterWord } from 'corral/protocol';
import { formatConf } from '../config/conf-dump.js';
import type { ConnectionInfo, MemberView } from './view.js';
import { Real, hexLong, javaDate, javaDouble, roundAverage } from './java-format.js';
import { monitorValues } from './monitor.js';
import { environment } from './environment.js';
import {
  INTEREST_OPS,
  NOT_SERVING,
  clientAddress,
  currentConfig,
  ephemeralsBySession,
  expiryBuckets,
  sortedSessions,
  watchSummary,
  watchesByPath,
  watchesBySession,
} from './reports.js';
import { setTraceMask, traceMask } from './trace-mask.js';
import { fullVersion } from './build-date.js';

/** Bytes that follow a word on the wire (stmk's mask); 0 for words this table does not know. */
export function argumentBytes(word: string): number {
  return commandFor(word)?.argumentBytes ?? 0;
}

/**
 * The answer to a four-letter word received as raw bytes: `head` is the 4 bytes already identified as a word,
 * `argument` the bytes argumentBytes() asked for. Unknown bytes and the telnet close sequence get no answer.
 */
export function fourLetterWordResponse(head: Buffer, view: MemberView, argument?: Buffer): Buffer {
  const word = head.subarray(0, 4).toString('latin1');
  const mask = argument && argument.length >= 8 ? argument.readBigInt64BE(0) : undefined;
  return Buffer.from(runFourLetterWord(word, view, mask), 'utf8');
}

/** ZooKeeper's text for `word`; `extraArg` is stmk's mask. */
export function runFourLetterWord(word: string, view: MemberView, extraArg?: bigint): string {
  const command = commandFor(word);
  if (!command) return '';
  if (!view.config.fourLetterWords.has(word)) return `${word} is not executed because it is not in the whitelist.\n`;
  if (command.needsServer && !view.isRunning()) return command.notServing ?? `${NOT_SERVING}\n`;
  return command.run(view, extraArg);
}

interface FourLetterCommand {
  /** Whether the word answers only while the member serves clients. */
  needsServer: boolean;
  /** What it prints instead while not serving (default: ZooKeeper's "not currently serving" line). */
  notServing?: string;
  /** Bytes that follow the word on the wire before the command can run. */
  argumentBytes?: number;
  run(view: MemberView, extraArg?: bigint): string;
}

const served = (run: FourLetterCommand['run'], notServing?: string): FourLetterCommand => ({ needsServer: true, run, notServing });
const always = (run: FourLetterCommand['run']): FourLetterCommand => ({ needsServer: false, run });

const COMMANDS = {
  // ZooKeeper's docs: a server in an error state does not answer ruok at all.
  ruok: served(() => 'imok', ''),
  conf: served((v) => formatConf(currentConfig(v), v.dirSizes())),
  cons: served((v) => `${v.connections().map((c) => `${connectionLine(c, false)}\n`).join('')}\n`),
  crst: served((v) => {
    for (const c of v.connections()) c.resetStats();
    return 'Connection stats reset.\n';
  }),
  dirs: served((v) => {
    const { dataDirSize, dataLogSize } = v.dirSizes();
    return `datadir_size: ${dataDirSize}\nlogdir_size: ${dataLogSize}\n`;
  }),
  dump: served(dump),
  envi: always((v) => `Environment:\n${environment(fullVersion(v.version)).map(([k, val]) => `${k}=${val}\n`).join('')}`),
  gtmk: always((v) => String(traceMask(v))),
  // The new mask follows the word as a big-endian 64-bit integer.
  stmk: {
    ...always((v, mask) => {
      if (mask !== undefined) setTraceMask(v, mask);
      return String(traceMask(v));
    }),
    argumentBytes: 8,
  },
  srvr: served((v) => serverStats(v, false)),
  stat: served((v) => serverStats(v, true)),
  srst: served((v) => {
    v.stats.reset();
    return 'Server stats reset.\n';
  }),
  wchs: served((v) => {
    const s = watchSummary(v);
    return `${s.connections} connections watching ${s.paths} paths\nTotal watches:${s.watches}\n`;
  }),
  wchc: served(
    (v) => `${watchesBySession(v).map(([id, paths]) => `0x${hexLong(id)}\n${paths.map((p) => `\t${p}\n`).join('')}`).join('')}\n`,
  ),
  wchp: served(
    (v) => `${watchesByPath(v).map(([path, ids]) => `${path}\n${ids.map((id) => `\t0x${hexLong(id)}\n`).join('')}`).join('')}\n`,
  ),
  mntr: served((v) => monitorValues(v).map(([k, val]) => `zk_${k}\t${val instanceof Real ? javaDouble(val.value) : val}\n`).join('')),
  isro: served((v) => (v.isReadOnly() ? 'ro' : 'rw'), 'null'),
  // ZooKeeper prints its data-tree digest history here; Corral keeps no digests, like ZooKeeper with digests off.
  hash: served(() => '', NOT_SERVING),
} satisfies Record<FourLetterWord, FourLetterCommand>;

function commandFor(word: string): FourLetterCommand | undefined {
  return Object.hasOwn(COMMANDS, word) ? COMMANDS[word as FourLetterWord] : undefined;
}

/** srvr, and stat with its client list: ZooKeeper's ServerStats text plus the node count. */
function serverStats(view: MemberView, withClients: boolean): string {
  const s = view.stats;
  const lines = [`Zookeeper version: ${fullVersion(view.version)}`];
  if (view.isReadOnly()) lines.push('READ-ONLY mode; serving only read-only clients');
  if (withClients) lines.push('Clients:', ...view.connections().map((c) => connectionLine(c, true)), '');
  lines.push(
    `Latency min/avg/max: ${s.minLatency}/${javaDouble(roundAverage(s.avgLatency))}/${s.maxLatency}`,
    `Received: ${s.packetsReceived}`,
    `Sent: ${s.packetsSent}`,
    `Connections: ${view.connections().length}`,
    `Outstanding: ${s.outstandingRequests}`,
    `Zxid: 0x${hexLong(view.lastZxid())}`,
    `Mode: ${view.mode()}`,
    `Node count: ${view.nodeCount()}`,
  );
  return `${lines.join('\n')}\n`;
}

/** One connection as ServerCnxn.dumpConnectionInfo prints it; `brief` leaves out the session fields. */
function connectionLine(c: ConnectionInfo, brief: boolean): string {
  let line = ` /${clientAddress(c)}[${INTEREST_OPS}](queued=${c.queued},recved=${c.received},sent=${c.sent}`;
  if (!brief && c.sessionId !== undefined && c.sessionId !== 0n) {
    line += `,sid=0x${hexLong(c.sessionId)},lop=${c.lastOperation},est=${c.established},to=${c.sessionTimeout}`;
    if (c.lastCxid >= 0) line += `,lcxid=0x${hexLong(c.lastCxid)}`;
    line +=
      `,lzxid=0x${hexLong(c.lastZxid)},lresp=${c.lastResponseTime},llat=${c.lastLatency}` +
      `,minlat=${c.minLatency},avglat=${Math.floor(c.avgLatency)},maxlat=${c.maxLatency}`;
  }
  return `${line})`;
}

/**
 * Sessions (by expiry bucket where this member tracks expiry, else ZooKeeper's learner form with timeouts),
 * then ephemerals. ZooKeeper's NIO factory appends its connection expiry sets; Corral prints the section
 * header only, as ZooKeeper does with its Netty factory.
 */
function dump(view: MemberView): string {
  const sessions = sortedSessions(view);
  const mode = view.mode();
  let out = 'SessionTracker dump:\n';
  if (mode === 'standalone' || mode === 'leader') {
    const buckets = expiryBuckets(sessions);
    const tracked = buckets.reduce((n, [, ids]) => n + ids.length, 0);
    out += `${mode === 'leader' ? 'Global ' : ''}Session Sets (${buckets.length})/(${tracked}):\n`;
    for (const [at, ids] of buckets) out += `${ids.length} expire at ${javaDate(at)}:\n${ids.map((id) => `\t0x${hexLong(id)}\n`).join('')}`;
  } else {
    out += `Global Sessions(${sessions.length}):\n${sessions.map((s) => `0x${hexLong(s.sessionId)}\t${s.timeout}ms\n`).join('')}`;
  }
  const ephemerals = ephemeralsBySession(sessions);
  out += `ephemeral nodes dump:\nSessions with Ephemerals (${ephemerals.length}):\n`;
  for (const [id, paths] of ephemerals) out += `0x${hexLong(id)}:\n${paths.map((p) => `\t${p}\n`).join('')}`;
  return `${out}Connections dump:\n`;
}
