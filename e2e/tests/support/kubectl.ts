import { runProgram } from '../../../test-support/processes.js';

/**
 * kubectl against the bed the runner brought up (or a kind cluster): KUBECONFIG and PATH come from the
 * environment, so the same tests run on both. KUBECTL overrides the binary.
 */
const KUBECTL = process.env.KUBECTL ?? 'kubectl';

/** Runs kubectl and returns its stdout; a non-zero exit throws with the command and kubectl's stderr. */
export async function kubectl(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  if (!process.env.KUBECONFIG) throw new Error('KUBECONFIG is not set: run the e2e suite through `npm run e2e`');
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const res = await runProgram(KUBECTL, args, { input: opts.input, timeoutMs });
  if (res.code !== 0) {
    const why = res.timedOut ? `timed out after ${timeoutMs} ms` : `exit ${res.code}`;
    throw new Error(`kubectl ${args.join(' ')}: ${why}\n${res.stderr.trim()}`);
  }
  return res.stdout;
}

/** kubectl ... -o json, parsed. */
export async function kubectlJson<T = any>(args: string[], input?: string): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'], { input })) as T;
}

/** Applies manifests (YAML or JSON) given as text. */
export async function apply(manifest: string, namespace?: string): Promise<string> {
  return kubectl([...(namespace ? ['-n', namespace] : []), 'apply', '-f', '-'], { input: manifest });
}

/** True when the object exists; any other kubectl failure throws. */
export async function exists(args: string[]): Promise<boolean> {
  const res = await runProgram(KUBECTL, ['get', ...args, '--ignore-not-found', '-o', 'name'], { timeoutMs: 60_000 });
  if (res.code !== 0) throw new Error(`kubectl get ${args.join(' ')}: exit ${res.code}\n${res.stderr.trim()}`);
  return res.stdout.trim() !== '';
}

/** A namespace of its own for a test file, with a random suffix; deleted by the returned function. */
export async function testNamespace(prefix: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await kubectl(['create', 'namespace', name]);
  return { name, remove: async () => void (await kubectl(['delete', 'namespace', name, '--wait=false'])) };
}
