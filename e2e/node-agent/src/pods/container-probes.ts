import type { V1Container } from '@kubernetes/client-node';
import type { ContainerRecord } from './container-record.js';
import type { RunScope } from './container-runs.js';
import { Prober, runProbe, type ProbeKind } from './probes.js';

/**
 * Starts the probes of a running container (once per run). Startup comes first; liveness and readiness
 * begin once it has passed. Verdicts land in the record (started, ready, or a kill request) and kick the
 * pod's worker, which acts on them.
 */
export function startProbers(r: ContainerRecord, s: RunScope): void {
  if (r.probers.length > 0 || r.init || !r.id) return;
  const id = r.id;
  const kinds: [ProbeKind, V1Container['livenessProbe']][] = [
    ['startup', r.spec.startupProbe],
    ['liveness', r.spec.livenessProbe],
    ['readiness', r.spec.readinessProbe],
  ];
  for (const [kind, probe] of kinds) {
    if (!probe) continue;
    const name = `${kind[0]!.toUpperCase()}${kind.slice(1)}`;
    const prober = new Prober(
      kind,
      probe,
      () => runProbe(probe, r.spec, s.podIP, id, s.ctx.podman),
      (ok) => onVerdict(r, id, kind, ok, s),
      (message) => {
        // Liveness and readiness wait for the startup probe; their failures before then are not news.
        if (kind !== 'startup' && !r.started) return;
        s.record('Warning', 'Unhealthy', `${name} probe failed: ${message}`, r);
      },
    );
    r.probers.push(prober);
    if (kind === 'startup' || !r.spec.startupProbe || r.started) prober.start();
  }
}

function onVerdict(r: ContainerRecord, id: string, kind: ProbeKind, ok: boolean, s: RunScope): void {
  if (r.id !== id || !r.state.running) return; // a verdict about an earlier run
  if (kind === 'readiness') {
    r.ready = ok && r.started;
  } else if (kind === 'startup' && ok) {
    r.started = true;
    if (!r.spec.readinessProbe) r.ready = true;
    for (const p of r.probers) if (p.kind !== 'startup') p.start();
  } else if (!ok) {
    r.killFor = `Container ${r.spec.name} failed ${kind} probe, will be restarted`;
  }
  s.kick();
}
