import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Prober, type ProbeKind, type ProbeOutcome } from '../src/pods/probes.js';

/** A prober whose attempts answer from a script; returns the verdicts and failed attempts it reported. */
function scripted(kind: ProbeKind, probe: ConstructorParameters<typeof Prober>[1], answers: boolean[]) {
  const verdicts: boolean[] = [];
  const failures: string[] = [];
  let i = 0;
  const attempt = async (): Promise<ProbeOutcome> => {
    const ok = answers[Math.min(i++, answers.length - 1)]!;
    return { ok, message: ok ? '' : `failure ${i}` };
  };
  const prober = new Prober(kind, probe, attempt, (ok) => verdicts.push(ok), (m) => failures.push(m));
  return { prober, verdicts, failures, attempts: () => i };
}

describe('Prober', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits initialDelaySeconds, then probes every periodSeconds', async () => {
    const { prober, attempts } = scripted('readiness', { initialDelaySeconds: 5, periodSeconds: 2 }, [true]);
    prober.start();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(attempts()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts()).toBe(1);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(attempts()).toBe(4);
    prober.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(attempts()).toBe(4);
  });

  it('turns readiness on after successThreshold successes and off after failureThreshold failures', async () => {
    const answers = [true, true, false, false, true, false, false, false];
    const { prober, verdicts, failures } = scripted('readiness', { periodSeconds: 1, successThreshold: 2, failureThreshold: 3 }, answers);
    prober.start();
    await vi.advanceTimersByTimeAsync((answers.length - 1) * 1000); // attempts at 0 s, 1 s, ...: one per answer
    // ready after the 2nd success; two failures and a success do not unready it; three failures do
    expect(verdicts).toEqual([true, false]);
    expect(failures).toHaveLength(5);
    prober.stop();
  });

  it('gives one liveness verdict after failureThreshold failures in a row and stops probing', async () => {
    const { prober, verdicts, attempts } = scripted('liveness', { periodSeconds: 1, failureThreshold: 2 }, [true, false, true, false, false, true]);
    prober.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(verdicts).toEqual([true, false]);
    expect(attempts()).toBe(5);
  });

  it('stops a startup probe once it has passed', async () => {
    const { prober, verdicts, attempts } = scripted('startup', { periodSeconds: 1, failureThreshold: 10 }, [false, false, true]);
    prober.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(verdicts).toEqual([true]);
    expect(attempts()).toBe(3);
  });
});
