// Builder for multi: collects ops, commits them atomically in one request.
import type { CreateOptions, Data, Op, OpResult } from './types.js';

export class Transaction {
  private readonly ops: Op[] = [];

  constructor(private readonly run: (ops: readonly Op[]) => Promise<OpResult[]>) {}

  create(path: string, data: Data = null, options: CreateOptions = {}): this {
    this.ops.push({ type: 'create', path, data, options });
    return this;
  }

  delete(path: string, version = -1): this {
    this.ops.push({ type: 'delete', path, version });
    return this;
  }

  setData(path: string, data: Data, version = -1): this {
    this.ops.push({ type: 'setData', path, data, version });
    return this;
  }

  /** Fails the transaction unless the node's data version is `version`. */
  check(path: string, version: number): this {
    this.ops.push({ type: 'check', path, version });
    return this;
  }

  get size(): number {
    return this.ops.length;
  }

  commit(): Promise<OpResult[]> {
    return this.run([...this.ops]);
  }
}
