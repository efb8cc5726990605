// The simulation clock: a priority queue of timed callbacks. Events at the same time run in the order they were
// scheduled, so a run depends only on the seed.

interface Timed {
  time: number;
  seq: number;
  run: () => void | Promise<void>;
}

export class EventQueue {
  now = 0;
  private seq = 0;
  private heap: Timed[] = [];

  get size(): number {
    return this.heap.length;
  }

  at(time: number, run: () => void | Promise<void>): void {
    this.push({ time: Math.max(time, this.now), seq: this.seq++, run });
  }

  after(delay: number, run: () => void | Promise<void>): void {
    this.at(this.now + delay, run);
  }

  /** Time of the next event, or Infinity. */
  peekTime(): number {
    return this.heap[0]?.time ?? Infinity;
  }

  /** Removes the next event and advances the clock to it. */
  pop(): (() => void | Promise<void>) | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (!top) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.down(0);
    }
    this.now = top.time;
    return top.run;
  }

  private push(t: Timed): void {
    const heap = this.heap;
    heap.push(t);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < heap.length && before(heap[l]!, heap[min]!)) min = l;
      if (r < heap.length && before(heap[r]!, heap[min]!)) min = r;
      if (min === i) return;
      [heap[i], heap[min]] = [heap[min]!, heap[i]!];
      i = min;
    }
  }
}

function before(a: Timed, b: Timed): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
