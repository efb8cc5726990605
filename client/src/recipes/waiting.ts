// Waits that callers can bound: every recipe call that blocks takes WaitOptions.

/** How long a blocking recipe call may wait. */
export interface WaitOptions {
  /** Abandons the wait (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Gives up after this many ms (rejects with a DOMException named TimeoutError). */
  timeout?: number;
}

/** One signal that fires on the caller's signal or after the timeout, whichever comes first. */
export function waitSignal(options: WaitOptions = {}): AbortSignal | undefined {
  const signals: AbortSignal[] = [];
  if (options.signal) signals.push(options.signal);
  if (options.timeout !== undefined) signals.push(AbortSignal.timeout(options.timeout));
  if (signals.length <= 1) return signals[0];
  return AbortSignal.any(signals);
}

/** Settles like `promise`, unless the signal aborts first (then rejects with its reason). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

/** A promise with its resolver, for "wake me when the watcher fires". */
export function wakeup(): { promise: Promise<void>; wake: () => void } {
  let wake!: () => void;
  const promise = new Promise<void>((resolve) => (wake = resolve));
  return { promise, wake };
}
