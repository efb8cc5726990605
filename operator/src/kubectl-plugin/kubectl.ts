// The plugin's way to the cluster: the kubectl that runs it, with the user's kubeconfig, context and namespace.
// Going through kubectl (not a client library) keeps every authentication kubectl supports, and `kubectl exec`
// is how the plugin reaches members anyway.
import { spawn } from 'node:child_process';
import { API_GROUP, PLURAL, type CoordinationCluster } from '../api/index.js';
import { LABEL } from '../render/labels.js';
import type { V1Pod } from '@kubernetes/client-node';

export interface KubectlOptions {
  /** The kubectl binary (KUBECTL, else kubectl on PATH). */
  binary: string;
  kubeconfig?: string;
  context?: string;
  /** Unset: the context's namespace, as for kubectl itself. */
  namespace?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A kubectl command that failed: its own message is what the user needs. */
export class KubectlError extends Error {}

const RESOURCE = `${PLURAL}.${API_GROUP}`;

export class Kubectl {
  constructor(private readonly options: KubectlOptions) {}

  private globalArgs(): string[] {
    const o = this.options;
    return [
      ...(o.kubeconfig ? ['--kubeconfig', o.kubeconfig] : []),
      ...(o.context ? ['--context', o.context] : []),
      ...(o.namespace ? ['--namespace', o.namespace] : []),
    ];
  }

  /** Runs kubectl to completion, capturing its output. */
  run(args: string[], timeoutMs = 60_000): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.binary, [...this.globalArgs(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new KubectlError(`could not run ${this.options.binary}: ${err.message}`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr: signal === 'SIGKILL' ? `${stderr}kubectl ${args[0]} timed out after ${timeoutMs} ms` : stderr });
      });
    });
  }

  /** Runs kubectl with the terminal attached (an interactive shell); resolves to its exit code. */
  interactive(args: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.binary, [...this.globalArgs(), ...args], { stdio: 'inherit' });
      child.once('error', (err) => reject(new KubectlError(`could not run ${this.options.binary}: ${err.message}`)));
      child.once('close', (code) => resolve(code ?? 1));
    });
  }

  private async checked(args: string[]): Promise<string> {
    const res = await this.run(args);
    if (res.code !== 0) throw new KubectlError(kubectlMessage(res.stderr) || `kubectl ${args.join(' ')} exited with ${res.code}`);
    return res.stdout;
  }

  cluster(name: string): Promise<CoordinationCluster> {
    return this.checked(['get', RESOURCE, name, '-o', 'json']).then((out) => JSON.parse(out) as CoordinationCluster);
  }

  /** The cluster's member pods (in the cluster's own namespace). */
  async pods(cc: CoordinationCluster): Promise<V1Pod[]> {
    const out = await this.checked(['get', 'pods', '-n', cc.metadata.namespace!, '-l', `${LABEL.cluster}=${cc.metadata.name}`, '-o', 'json']);
    return (JSON.parse(out) as { items: V1Pod[] }).items;
  }

  /** Sets one annotation of the cluster (a merge patch, so nothing else changes). */
  async annotate(cc: CoordinationCluster, key: string, value: string): Promise<void> {
    const patch = JSON.stringify({ metadata: { annotations: { [key]: value } } });
    await this.checked(['patch', RESOURCE, cc.metadata.name!, '-n', cc.metadata.namespace!, '--type', 'merge', '-p', patch]);
  }

  /** Runs a command in a pod, capturing its output (kubectl's exit code is the command's). */
  exec(pod: V1Pod, command: string[], timeoutMs: number): Promise<RunResult> {
    return this.run(['exec', '-n', pod.metadata!.namespace!, pod.metadata!.name!, '--', ...command], timeoutMs);
  }
}

/** kubectl's error without its own "error: " / "Error from server (Reason): " prefix (the plugin adds "Error: "). */
export const kubectlMessage = (stderr: string): string => stderr.trim().replace(/^(error: |Error from server \([A-Za-z]+\): )/, '');
