// `corral admin <host:port> <word>`: sends a raw four-letter word and returns everything the server writes back.
import { connect } from 'node:net';

export function fourLetterWord(hostPort: string, word: string, timeoutMs = 10_000): Promise<string> {
  const colon = hostPort.lastIndexOf(':');
  const host = colon > 0 ? hostPort.slice(0, colon).replace(/^\[|\]$/g, '') : hostPort;
  const port = colon > 0 ? Number(hostPort.slice(colon + 1)) : 2181;
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const chunks: Buffer[] = [];
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`${word}: no answer from ${hostPort} within ${timeoutMs} ms`)));
    sock.on('connect', () => sock.write(word));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
