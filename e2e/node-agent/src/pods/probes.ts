import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';
import type { Podman } from '../runtime/podman.js';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

export interface ProbeOutcome {
  ok: boolean;
  /** Why it failed, as the kubelet words it in Unhealthy events. */
  message: string;
}

/** One probe attempt against a container: exec through podman, TCP or HTTP against the pod's address. */
export async function runProbe(probe: V1Probe, container: V1Container, podIP: string, containerId: string, podman: Podman): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) {
    const result = await podman.exec(containerId, probe.exec.command ?? [], timeoutMs + 2_000);
    if (result.timedOut) return { ok: false, message: `command timed out after ${probe.timeoutSeconds ?? 1}s` };
    const output = (result.stdout + result.stderr).trim();
    return result.code === 0 ? { ok: true, message: output } : { ok: false, message: output || `command exited with code ${result.code}` };
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, container);
    const host = probe.tcpSocket.host || podIP;
    return tcpProbe(host, port, timeoutMs);
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    const port = resolvePort(g.port, container);
    const headers = Object.fromEntries((g.httpHeaders ?? []).map((h) => [h.name, h.value]));
    return httpProbe(g.scheme === 'HTTPS', g.host || podIP, port, g.path ?? '/', headers, timeoutMs);
  }
  return { ok: false, message: 'probe type not supported by the test bed (exec, tcpSocket and httpGet are)' };
}

/** A named port is looked up among the container's ports, as the kubelet does. */
function resolvePort(port: number | string, container: V1Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = container.ports?.find((p) => p.name === port);
  if (!found) throw new Error(`port "${port}" not found among the container's ports`);
  return found.containerPort;
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (outcome: ProbeOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }));
    socket.once('connect', () => done({ ok: true, message: '' }));
    socket.once('error', (err) => done({ ok: false, message: `dial tcp ${host}:${port}: ${err.message}` }));
  });
}

function httpProbe(tls: boolean, host: string, port: number, path: string, headers: Record<string, string>, timeoutMs: number): Promise<ProbeOutcome> {
  const url = `${tls ? 'https' : 'http'}://${host}:${port}${path}`;
  return new Promise((resolve) => {
    const req = (tls ? httpsRequest : httpRequest)(
      { host, port, path, method: 'GET', headers: { 'User-Agent': 'kube-probe/1.36', ...headers }, rejectUnauthorized: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      },
    );
    req.once('timeout', () => {
      req.destroy();
      resolve({ ok: false, message: `Get "${url}": context deadline exceeded` });
    });
    req.once('error', (err) => resolve({ ok: false, message: `Get "${url}": ${err.message}` }));
    req.end();
  });
}

/**
 * Runs one probe of one container on its schedule (initialDelaySeconds, then every periodSeconds) and turns
 * attempts into results with the success and failure thresholds: `onResult` is called when the result
 * flips (readiness, startup) or when failureThreshold consecutive failures are reached (liveness, startup).
 */
export class Prober {
  private timer: NodeJS.Timeout | undefined;
  private successes = 0;
  private failures = 0;
  private result: boolean | undefined;
  private stopped = false;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: V1Probe,
    private readonly attempt: () => Promise<ProbeOutcome>,
    private readonly onResult: (ok: boolean, message: string) => void,
    private readonly onFailedAttempt: (message: string) => void,
  ) {}

  start(): void {
    this.schedule((this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    let outcome: ProbeOutcome;
    try {
      outcome = await this.attempt();
    } catch (err) {
      outcome = { ok: false, message: (err as Error).message };
    }
    if (this.stopped) return;
    const successThreshold = this.kind === 'readiness' ? (this.probe.successThreshold ?? 1) : 1;
    const failureThreshold = this.probe.failureThreshold ?? 3;
    if (outcome.ok) {
      this.failures = 0;
      this.successes++;
      if (this.successes >= successThreshold && this.result !== true) {
        this.result = true;
        this.onResult(true, '');
      }
    } else {
      this.successes = 0;
      this.failures++;
      this.onFailedAttempt(outcome.message);
      if (this.failures >= failureThreshold && this.result !== false) {
        this.result = false;
        this.onResult(false, outcome.message);
      }
    }
    // A startup probe stops once it has succeeded; liveness and startup start over after a failure verdict
    // (the container is about to be restarted, and a new prober comes with the new container).
    if (this.kind === 'startup' && this.result === true) return;
    if (this.kind !== 'readiness' && this.result === false) return;
    this.schedule((this.probe.periodSeconds ?? 10) * 1000);
  }
}
