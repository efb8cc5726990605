// zkCli's output formats: Stat blocks, ACL listings, watch events, Java's Date.toString.
import { EventType, KeeperState, type ACL, type Stat } from 'corral/protocol';
import { permsToString } from '../acl.js';
import type { WatchEvent } from '../types.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Like java.util.Date#toString: "Mon Nov 23 14:41:12 UTC 2026", in the local time zone. */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  const zone =
    new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zone} ${d.getFullYear()}`;
}

/** Java's Long.toHexString: two's complement for negatives. */
function hex(value: number | bigint): string {
  return `0x${(BigInt(value) & 0xffffffffffffffffn).toString(16)}`;
}

export function formatStat(s: Stat): string {
  return [
    `cZxid = ${hex(s.czxid)}`,
    `ctime = ${javaDate(s.ctime)}`,
    `mZxid = ${hex(s.mzxid)}`,
    `mtime = ${javaDate(s.mtime)}`,
    `pZxid = ${hex(s.pzxid)}`,
    `cversion = ${s.cversion}`,
    `dataVersion = ${s.version}`,
    `aclVersion = ${s.aversion}`,
    `ephemeralOwner = ${hex(s.ephemeralOwner)}`,
    `dataLength = ${s.dataLength}`,
    `numChildren = ${s.numChildren}`,
  ].join('\n');
}

export function formatACL(acl: readonly ACL[]): string {
  return acl.map((a) => `'${a.id.scheme},'${a.id.id}\n: ${permsToString(a.perms)}`).join('\n');
}

/** A Java List's toString: "[a, b]". */
export function javaList(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

export function formatEvent(e: WatchEvent): string {
  return `WatchedEvent state:${KeeperState[e.state] ?? e.state} type:${EventType[e.type] ?? e.type} path:${e.path}`;
}
