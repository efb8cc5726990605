// How the plugin talks to members: their AdminServer (HTTP, port 8080) and the `corral` CLI against their client
// port. Two ways there:
//   exec    (default) `kubectl exec` into a member pod and run it there: works wherever kubectl exec does,
//           whether or not this machine can reach pod addresses. Members bind their pod IP, not localhost, so
//           `kubectl port-forward` (which dials localhost inside the pod) cannot reach them.
//   pod-ip  dial the pod IPs from this machine: for machines inside the pod network (a pod, a flat or routed
//           network, the project's test bed, whose kubelet stand-in has no exec).
import type { V1Pod } from '@kubernetes/client-node';
import { MEMBER_PORTS } from '../api/index.js';
import type { CorralAdminCommand } from 'corral/protocol';
import { adminUrl } from '../observe/probe.js';
import type { Kubectl } from './kubectl.js';
import type { CliIO } from '../../../client/src/cli/commands.js';
import { runCli } from '../../../client/src/cli/run.js';

export const ACCESS_MODES = ['exec', 'pod-ip'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

/** What a command printed and how it ended. */
export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** Fetches a URL and prints the body; exit 3 on an HTTP error status, 4 when there is no answer. Runs with the image's node. */
export const FETCH_SCRIPT =
  'fetch(process.argv[1],{signal:AbortSignal.timeout(Number(process.argv[2]))}).then(async r=>{process.stdout.write(await r.text());process.exitCode=r.ok?0:3},e=>{process.stderr.write(String(e.cause??e));process.exitCode=4})';

export const podIP = (pod: V1Pod): string => {
  const ip = pod.status?.podIP;
  if (!ip) throw new Error(`${pod.metadata?.name} has no IP yet`);
  return ip;
};

/** host:port of a member's client port. */
export const clientAddress = (pod: V1Pod): string => {
  const ip = podIP(pod);
  return `${ip.includes(':') ? `[${ip}]` : ip}:${MEMBER_PORTS.client}`;
};

export class Members {
  constructor(
    private readonly mode: AccessMode,
    private readonly kubectl: Kubectl,
  ) {}

  /** GET /commands/<command> on a member's AdminServer; the parsed JSON answer. */
  async admin(pod: V1Pod, command: CorralAdminCommand, params: Record<string, string> = {}, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const query = new URLSearchParams(params).toString();
    const url = `${adminUrl(podIP(pod), command)}${query ? `?${query}` : ''}`;
    const where = `${command} on ${pod.metadata?.name}`;
    let body: string;
    if (this.mode === 'pod-ip') {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).catch((err: Error) => {
        throw new Error(`${where}: no answer from ${url} (${String(err.cause ?? err.message)}); is this machine in the pod network? Without --via pod-ip the plugin uses kubectl exec`);
      });
      body = await res.text();
    } else {
      const res = await this.kubectl.exec(pod, ['node', '-e', FETCH_SCRIPT, url, String(timeoutMs)], timeoutMs + 15_000);
      // kubectl quotes the whole exec URL in its errors: the script is noise there.
      const why = res.stderr.trim().replace(/(\/exec\/[^?\s"]*)\?[^\s"]*/g, '$1?...');
      if (res.code !== 0 && res.code !== 3) throw new Error(`${where}: ${why || `kubectl exec exited with ${res.code}`}`);
      body = res.stdout;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new Error(`${where}: the answer is not JSON: ${body.slice(0, 200)}`);
    }
    if (typeof parsed !== 'object' || parsed === null) throw new Error(`${where}: the answer is not a JSON object`);
    return parsed as Record<string, unknown>;
  }

  /** Runs one `corral` CLI command (zkCli syntax) against the member's client port; its output. */
  async corral(pod: V1Pod, args: string[], timeoutMs = 30_000): Promise<Output> {
    const command = ['--server', clientAddress(pod), '--timeout', '10000', ...args];
    if (this.mode === 'exec') return this.kubectl.exec(pod, ['corral', ...command], timeoutMs);
    let stdout = '';
    let stderr = '';
    const io: CliIO = { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) };
    const code = await runCli(command, io);
    return { code, stdout, stderr };
  }

  /**
   * The `corral` shell (no args) or one command, on the terminal, connected to `server`: run in a member pod
   * (exec) or here (pod-ip). Resolves to its exit code.
   */
  shell(pod: V1Pod, server: string, args: string[], io: CliIO): Promise<number> {
    const command = ['--server', server, ...args];
    if (this.mode === 'pod-ip') return runCli(command, io);
    const tty = process.stdin.isTTY && args.length === 0 ? ['-t'] : [];
    return this.kubectl.interactive(['exec', '-i', ...tty, '-n', pod.metadata!.namespace!, pod.metadata!.name!, '--', 'corral', ...command]);
  }
}
