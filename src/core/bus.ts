/**
 * A typed in-process event bus. Services publish; SSE streams subscribe with an
 * AbortSignal so that a closed browser tab releases its subscription at once.
 */

/** The publishing side of a bus, typed to the events one service may publish. */
export interface Publisher<E> {
  publish(event: E): void;
}

export class Bus<E> implements Publisher<E> {
  private readonly listeners = new Set<(event: E) => void>();

  publish(event: E): void {
    for (const listener of this.listeners) listener(event);
  }

  on(listener: (event: E) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Yields events until `signal` aborts. Waiting is abort-aware, so the generator
   * ends promptly on disconnect. A slow reader keeps at most `maxQueue` events
   * (the oldest are dropped), so it cannot grow memory without bound.
   */
  async *subscribe(signal: AbortSignal, maxQueue = 1000): AsyncGenerator<E> {
    const queue: E[] = [];
    let wake: (() => void) | undefined;
    const off = this.on((event) => {
      queue.push(event);
      if (queue.length > maxQueue) queue.shift();
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        yield queue.shift()!;
      }
    } finally {
      off();
      signal.removeEventListener("abort", onAbort);
    }
  }
}
