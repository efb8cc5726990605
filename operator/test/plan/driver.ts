// Drives the planner against a FakeCluster the way the reconciler drives it against Kubernetes: observe, plan, act,
// record status, then let time pass.
import { plan } from '../../src/plan/plan.js';
import type { DesiredCluster, Plan } from '../../src/plan/types.js';
import type { FakeCluster } from './fake-cluster.js';

const EPOCH = Date.UTC(2025, 0, 1);

/**
 * One reconcile. With `crashAfter`, the operator dies after that many actions: the rest is not carried out and the
 * status is not written (its next incarnation starts from whatever the cluster shows). As in the reconciler, an
 * action that fails ends the reconcile before the status is written too.
 */
export function reconcile(cluster: FakeCluster, desired: DesiredCluster, crashAfter?: number): Plan {
  const p = plan(desired, cluster.observe(), new Date(EPOCH + cluster.tick * 1000));
  const applied = cluster.applyAll(p.actions, crashAfter ?? p.actions.length);
  if (crashAfter === undefined && applied === p.actions.length) cluster.status = p.status;
  return p;
}

export const isConverged = (p: Plan): boolean =>
  p.actions.length === 0 && p.waits.length === 0 && p.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');

/** Reconciles and advances until a plan has nothing left to do; returns every plan, or throws after maxTicks. */
export function converge(cluster: FakeCluster, desired: DesiredCluster, maxTicks = 100): Plan[] {
  const plans: Plan[] = [];
  for (let i = 0; i < maxTicks; i++) {
    const p = reconcile(cluster, desired);
    plans.push(p);
    if (isConverged(p)) return plans;
    cluster.advance();
  }
  throw new Error(`not converged after ${maxTicks} ticks: ${cluster.membershipSummary()}\n${JSON.stringify(plans.at(-1), null, 1)}\n${cluster.log.slice(-30).join('\n')}`);
}
