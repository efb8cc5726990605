// The receiving end of a snapshot stream as an async iterable. Chunks the consumer has not taken yet are buffered
// up to a high-water mark; beyond it the source is paused (the TCP window then slows the sender) and resumed once
// the consumer has drained the buffer below half of it.

export interface FlowControl {
  pause(): void;
  resume(): void;
}

type Waiter = { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (err: Error) => void };

export class ChunkChannel implements AsyncIterable<Uint8Array> {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;
  private paused = false;
  private endedValue = false;
  private error: Error | undefined;
  private cancelled = false;
  private waiter: Waiter | undefined;
  private iterating = false;

  constructor(
    private readonly flow: FlowControl,
    private readonly highWaterBytes: number,
  ) {}

  /** The source delivered its end marker (every chunk was received). */
  get ended(): boolean {
    return this.endedValue;
  }

  push(chunk: Uint8Array): void {
    if (this.isClosed()) return;
    if (this.waiter) return this.wake({ value: chunk, done: false });
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes > this.highWaterBytes && !this.paused) {
      this.paused = true;
      this.flow.pause();
    }
  }

  end(): void {
    if (this.isClosed()) return;
    this.endedValue = true;
    if (this.waiter) this.wake({ value: undefined, done: true });
  }

  /** The stream broke: the consumer's next read throws `err` (chunks still buffered are discarded). */
  fail(err: Error): void {
    if (this.isClosed()) return;
    this.error = err;
    this.discard();
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  /** The consumer gave up: whatever still arrives is ignored. */
  cancel(): void {
    this.cancelled = true;
    this.discard();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.iterating) throw new Error('a snapshot stream can be iterated only once');
    this.iterating = true;
    return {
      next: () => this.next(),
      return: async () => {
        this.cancel();
        return { value: undefined, done: true };
      },
    };
  }

  private next(): Promise<IteratorResult<Uint8Array>> {
    if (this.head < this.chunks.length) {
      const value = this.chunks[this.head]!;
      this.chunks[this.head++] = EMPTY;
      this.bytes -= value.length;
      if (this.head === this.chunks.length) {
        this.chunks = [];
        this.head = 0;
      }
      if (this.paused && this.bytes <= this.highWaterBytes / 2) {
        this.paused = false;
        this.flow.resume();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.error) return Promise.reject(this.error);
    if (this.endedValue || this.cancelled) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter) return Promise.reject(new Error('concurrent reads of a snapshot stream'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  private wake(r: IteratorResult<Uint8Array>): void {
    const w = this.waiter!;
    this.waiter = undefined;
    w.resolve(r);
  }

  private isClosed(): boolean {
    return this.endedValue || this.error !== undefined || this.cancelled;
  }

  private discard(): void {
    this.chunks = [];
    this.head = 0;
    this.bytes = 0;
  }
}

const EMPTY = new Uint8Array(0);
