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
   * Yields events until `signal` aborts. The subscription starts when this is
   * called, not at the first read, so a caller can take a snapshot of the state
   * after subscribing and miss nothing in between. Waiting is abort-aware, so the
   * iterator ends promptly on disconnect. A slow reader keeps at most `maxQueue`
   * events (the oldest are dropped), so it cannot grow memory without bound.
   */
  subscribe(signal: AbortSignal, maxQueue = 1000): AsyncGenerator<E> {
    const queue: E[] = [];
    let wake: (() => void) | undefined;
    const off = this.on((event) => {
      queue.push(event);
      if (queue.length > maxQueue) queue.shift();
      wake?.();
    });
    // Also releases a subscription whose iterator is never read.
    const onAbort = () => {
      off();
      wake?.();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    return (async function* () {
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
    })();
  }
}
