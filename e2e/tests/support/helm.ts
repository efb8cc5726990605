import { join } from 'node:path';
import { runProgram } from '../../../test-support/processes.js';
import { findHelm } from '../../../test-support/tools.js';

/** The repository's charts, for `helm install` and `helm template`. */
export const CHARTS = join(import.meta.dirname, '../../../charts');

/**
 * helm against the bed (KUBECONFIG from the runner): the binary e2e/cluster/build.sh keeps in the cache, HELM,
 * or helm on PATH. A non-zero exit throws with the command and helm's stderr.
 */
export async function helm(args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  const binary = findHelm();
  if (!binary) throw new Error('helm not found: e2e/cluster/build.sh builds it into $CORRAL_E2E_CACHE (or set HELM)');
  if (!process.env.KUBECONFIG) throw new Error('KUBECONFIG is not set: run the e2e suite through `npm run e2e`');
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const res = await runProgram(binary, args, { timeoutMs, input: opts.input });
  if (res.code !== 0) {
    const why = res.timedOut ? `timed out after ${timeoutMs} ms` : `exit ${res.code}`;
    throw new Error(`helm ${args.join(' ')}: ${why}\n${res.stderr.trim()}`);
  }
  return res.stdout;
}
