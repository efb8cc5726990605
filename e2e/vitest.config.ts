import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The e2e suite: one shared cluster, so files run one after another; timeouts are generous because pods
// start real containers on a busy two-core machine. Run through `npm run e2e`, which brings the bed up.
export default defineConfig({
  // The protocol's public entry (package.json's exports), from source as in the root config.
  resolve: { alias: { 'corral/protocol': fileURLToPath(new URL('../protocol/src/index.ts', import.meta.url)) } },
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    // Only the tests that need the bed: the node agent's unit tests run in the root `npm test`.
    include: ['e2e/tests/**/*.e2e.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
