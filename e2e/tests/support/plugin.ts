import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { runProgram, type ProgramResult } from '../../../test-support/processes.js';
import { onBed } from './bed.js';

/**
 * `kubectl corral` as a user runs it: kubectl finds `kubectl-corral` on PATH. The plugin is compiled into dist/
 * by the runner's `tsc -p e2e` (e2e/tsconfig.json includes it); a wrapper named kubectl-corral in a temporary
 * directory runs it with this node. On the bed the plugin reaches members by pod IP (KUBECTL_CORRAL_VIA=pod-ip):
 * the node agent has no exec endpoint; elsewhere (kind) through kubectl exec, its default.
 */
export class KubectlPlugin {
  private readonly dir = mkdtempSync(join(tmpdir(), 'kubectl-corral-'));

  constructor() {
    const main = join(import.meta.dirname, '../../../dist/operator/src/kubectl-plugin/main.js');
    const wrapper = join(this.dir, 'kubectl-corral');
    writeFileSync(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${main}' "$@"\n`);
    chmodSync(wrapper, 0o755);
  }

  run(args: string[], timeoutMs = 120_000): Promise<ProgramResult> {
    const via = process.env.KUBECTL_CORRAL_VIA ?? (onBed ? 'pod-ip' : 'exec');
    const env = { ...process.env, PATH: `${this.dir}${delimiter}${process.env.PATH}`, KUBECTL_CORRAL_VIA: via };
    return runProgram(process.env.KUBECTL ?? 'kubectl', ['corral', ...args], { timeoutMs, env });
  }

  /** Runs and expects exit 0; returns stdout. */
  async ok(args: string[]): Promise<string> {
    const res = await this.run(args);
    if (res.code !== 0) throw new Error(`kubectl corral ${args.join(' ')}: exit ${res.code}\n${res.stderr}${res.stdout}`);
    return res.stdout;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
