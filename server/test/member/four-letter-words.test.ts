// Four-letter words on a running member: each probe's connection is released (Kubernetes probes must not use up
// maxClientCnxns), and stmk's 8-byte argument is read.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { fourLetterWord } from '../../../test-support/four-letter-words.js';
import { startCorral, type Target } from '../../../test-support/servers.js';

function ask(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('four-letter words on a member', () => {
  let target: Target;
  beforeAll(async () => {
    target = await startCorral({ maxClientCnxns: 5 });
  }, 30_000);
  afterAll(() => target?.stop());

  it('releases every probe connection, so probes never exhaust maxClientCnxns', async () => {
    for (let i = 0; i < 20; i++) expect(await fourLetterWord('127.0.0.1', target.port, 'ruok')).toBe('imok');
    const zk = await ZooKeeperClient.connect(target.connectString, { sessionTimeout: 10_000 });
    expect(await zk.exists('/')).not.toBeNull();
    await zk.close();
  });

  it('sets the trace mask with stmk and reads it back with gtmk', async () => {
    const mask = Buffer.alloc(8);
    mask.writeBigInt64BE(0x142n);
    expect(await ask(target.port, Buffer.concat([Buffer.from('stmk'), mask]))).toBe('322');
    expect(await ask(target.port, Buffer.from('gtmk'))).toBe('322');
  });
});
