/**
 * A concurrency group: at most `capacity` holders at once, the rest wait in FIFO
 * order. Jobs that share one through the scheduler (monitors, capped at
 * max_concurrent_monitors) queue for it; a service may hold the same semaphore
 * itself (the speed-test slot of capacity 1, taken by manual and scheduled tests).
 * The capacity may be a function, read at every acquire and release: an agent's
 * monitors follow what the agent says it allows, which the hub learns (and which
 * may change) after the group exists.
 */

/** Gives the slot back. Calling it more than once has no further effect. */
export type Release = () => void;

interface Waiter {
  grant(release: Release): void;
}

export class Semaphore {
  private holders = 0;
  private readonly waiters: Waiter[] = [];

  private readonly limit: () => number;

  constructor(capacity: number | (() => number)) {
    if (typeof capacity === "function") {
      // A capacity worked out elsewhere is taken as a whole number of at least one.
      this.limit = () => Math.max(1, Math.floor(capacity()) || 1);
      return;
    }
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer`);
    this.limit = () => capacity;
  }

  /** Holders allowed at once, now. */
  get capacity(): number {
    return this.limit();
  }

  /** Slots currently held. */
  get active(): number {
    return this.holders;
  }

  /** Callers waiting for a slot. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Takes a slot if one is free and nobody is waiting for it, without waiting. */
  tryAcquire(): Release | null {
    if (this.holders >= this.limit() || this.waiters.length > 0) return null;
    this.holders++;
    return this.releaser();
  }

  /**
   * Waits for a slot, in arrival order. If `signal` aborts first, the caller
   * leaves the queue and the promise rejects with the signal's reason.
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const immediate = this.tryAcquire();
    if (immediate) return Promise.resolve(immediate);
    return new Promise<Release>((resolve, reject) => {
      const onAbort = () => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Runs `task` while holding a slot. */
  async run<T>(task: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next waiter, so a tryAcquire in between cannot jump the queue; a capacity that
      // shrank keeps it, one that grew lets more waiters in.
      this.holders--;
      while (this.waiters.length > 0 && this.holders < this.limit()) {
        this.holders++;
        this.waiters.shift()!.grant(this.releaser());
      }
    };
  }
}
