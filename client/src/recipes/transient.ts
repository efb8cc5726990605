// Connection loss and request timeouts are transient: the session may still be alive and the client
// reconnects by itself (requests made meanwhile wait for it). Only idempotent steps may simply be retried.
import { ConnectionLossError, RequestTimeoutError } from '../errors.js';

export function isTransient(err: unknown): boolean {
  return err instanceof ConnectionLossError || err instanceof RequestTimeoutError;
}

/**
 * Runs an idempotent step until it stops failing transiently. Session expiry and every other error end it;
 * so does the signal (checked between attempts).
 */
export async function retrying<T>(step: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    signal?.throwIfAborted();
    try {
      return await step();
    } catch (err) {
      if (!isTransient(err)) throw err;
    }
  }
}
