import { describe, expect, it } from 'vitest';
import { Backoff } from '../src/pods/backoff.js';

describe('Backoff', () => {
  it('restarts at once after the first crash, then waits 10 s, 20 s, 40 s … up to the cap', () => {
    const b = new Backoff(10_000, 60_000);
    let t = 0;
    const delays: number[] = [];
    for (let crash = 0; crash < 6; crash++) {
      delays.push(b.remaining('c', t, t));
      b.next('c', t);
      t += 1_000 + (delays.at(-1) ?? 0);
    }
    expect(delays).toEqual([0, 10_000, 20_000, 40_000, 60_000, 60_000]);
  });

  it('counts the wait from when the container stopped', () => {
    const b = new Backoff(10_000, 60_000);
    b.next('c', 0);
    expect(b.remaining('c', 5_000, 5_000)).toBe(10_000);
    expect(b.remaining('c', 5_000, 12_000)).toBe(3_000);
    expect(b.remaining('c', 5_000, 15_000)).toBe(0);
  });

  it('starts over once a container has stayed up for twice the cap', () => {
    const b = new Backoff(10_000, 60_000);
    b.next('c', 0);
    b.next('c', 15_000);
    expect(b.currentDelay('c')).toBe(20_000);
    expect(b.remaining('c', 200_000, 200_000)).toBe(0);
    b.next('c', 200_000);
    expect(b.currentDelay('c')).toBe(10_000);
  });

  it('keeps keys apart and forgets a pod by prefix', () => {
    const b = new Backoff(10_000, 60_000);
    b.next('pod1/a', 0);
    b.next('pod1/a', 0);
    b.next('pod2/a', 0);
    expect(b.currentDelay('pod1/a')).toBe(20_000);
    expect(b.currentDelay('pod2/a')).toBe(10_000);
    b.forget('pod1/');
    expect(b.remaining('pod1/a', 0, 1)).toBe(0);
    expect(b.remaining('pod2/a', 0, 1)).toBe(9_999);
  });
});
