// The frames waiting for one peer's connection. Raft and member-level (aux) frames share one FIFO, so everything
// sent to a peer stays in order, but each lane has its own bound: a down or slow peer costs at most the bound,
// and a flood of one lane cannot starve the other of room.

export type Lane = 'raft' | 'aux';

export interface LaneLimit {
  messages: number;
  bytes: number;
}

export type QueueLimits = Record<Lane, LaneLimit>;

/** One frame, whole or as pieces to write in order (pieces may be shared with frames to other peers). */
export type OutFrame = Buffer | readonly Buffer[];

export function frameBytes(frame: OutFrame): number {
  if (Buffer.isBuffer(frame)) return frame.length;
  let n = 0;
  for (const piece of frame as readonly Buffer[]) n += piece.length;
  return n;
}

interface Item {
  lane: Lane;
  frame: OutFrame;
  bytes: number;
}

export class SendQueue {
  private items: Item[] = [];
  private head = 0;
  private readonly count: Record<Lane, number> = { raft: 0, aux: 0 };
  private readonly bytes: Record<Lane, number> = { raft: 0, aux: 0 };

  constructor(private readonly limits: QueueLimits) {}

  /** Whether a frame of this lane could still be admitted by count (checked before paying for encoding). */
  hasRoom(lane: Lane): boolean {
    return this.count[lane] < this.limits[lane].messages;
  }

  /** Appends the frame unless its lane is full; returns whether it was admitted. */
  push(lane: Lane, frame: OutFrame, bytes = frameBytes(frame)): boolean {
    if (!this.hasRoom(lane) || this.bytes[lane] + bytes > this.limits[lane].bytes) return false;
    this.items.push({ lane, frame, bytes });
    this.count[lane]++;
    this.bytes[lane] += bytes;
    return true;
  }

  shift(): Item | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as Item;
    this.count[item.lane]--;
    this.bytes[item.lane] -= item.bytes;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.count.raft = this.count.aux = 0;
    this.bytes.raft = this.bytes.aux = 0;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get byteLength(): number {
    return this.bytes.raft + this.bytes.aux;
  }
}
