import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The protocol's public entry, as package.json's exports name it; the source here, so that the code under test
  // and tests that reach into protocol/src share one copy of each module.
  resolve: { alias: { 'corral/protocol': fileURLToPath(new URL('./protocol/src/index.ts', import.meta.url)) } },
  test: {
    include: ['**/test/**/*.test.ts'],
    // e2e/tests has its own config and needs the test bed (`npm run e2e`); the node agent's unit tests
    // (e2e/node-agent/test) need nothing and run here.
    exclude: ['node_modules/**', 'dist/**', 'e2e/tests/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
