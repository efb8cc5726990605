import { connect } from 'node:net';

/** Sends a four-letter word on a raw connection to the client port and returns all the server writes back. */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const chunks: Buffer[] = [];
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`${word}: no answer within ${timeoutMs} ms`)));
    sock.on('connect', () => sock.write(word));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Parses `mntr` output (`key<TAB>value` lines) into a map. */
export function parseMntr(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) out.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return out;
}

/**
 * How parsers written for ZooKeeper 3.5's `srvr`/`stat` read the first line: version, then the build date as
 * `MM/dd/yyyy HH:mm GMT` (groups: version, month, day, year, hour, minute).
 */
export const ZK_35_VERSION_LINE = /^Zookeeper version: ([^,]+), built on (\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}) GMT$/;
