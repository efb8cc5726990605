import { afterAll, describe, expect, it } from 'vitest';
import { runKazoo } from '../clients.js';
import { fourLetterWord } from '../four-letter-words.js';
import { freePorts } from '../ports.js';
import { startCorral, startZooKeeper, type Target } from '../servers.js';

describe('test-support harness', () => {
  it('hands out distinct free ports', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) expect(p).toBeGreaterThan(0);
  });

  it('fails with an install hint when a client tool is missing, instead of skipping', () => {
    const saved = process.env.KAZOO_PYTHON;
    process.env.KAZOO_PYTHON = '/nonexistent/python3';
    try {
      expect(() => runKazoo('x.py', '127.0.0.1:1')).toThrow(/python3 with kazoo not found at \/nonexistent\/python3: run `bash \.ci\/run`/);
    } finally {
      if (saved === undefined) delete process.env.KAZOO_PYTHON;
      else process.env.KAZOO_PYTHON = saved;
    }
  });

  describe('a ZooKeeper target', () => {
    let target: Target | undefined;
    afterAll(() => target?.stop());

    it('starts serving with the given zoo.cfg keys and stops cleanly', async () => {
      target = await startZooKeeper({ tickTime: 400, maxSessionTimeout: 7000 });
      expect(await fourLetterWord(target.host, target.port, 'ruok')).toBe('imok');
      const conf = await fourLetterWord(target.host, target.port, 'conf');
      expect(conf).toContain('tickTime=400');
      expect(conf).toContain(`clientPort=${target.port}`);
      expect(conf).toContain('maxSessionTimeout=7000');
      await target.stop();
      await expect(fourLetterWord(target.host, target.port, 'ruok', 1000)).rejects.toThrow();
    });
  });

  it('refuses loudly to start Corral when the build is missing', async () => {
    const { existsSync } = await import('node:fs');
    const { CORRAL_SERVER_JS } = await import('../servers.js');
    if (existsSync(CORRAL_SERVER_JS)) return; // built: nothing to check here, the compat tests use it
    await expect(startCorral({})).rejects.toThrow(/Corral build missing/);
  });
});
