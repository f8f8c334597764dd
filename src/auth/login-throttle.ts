/**
 * Limits password guessing. An attempt is reserved before the password is checked and counts until it turns out
 * right, so parallel requests cannot all slip through while the first ones are still being verified: a source has
 * `maxAttempts` failed or unfinished attempts per window, and the rest get 429 without being evaluated.
 */
import { TooManyRequests } from "../core/errors";

export interface Attempt {
  /** The password was right: the attempt does not count. */
  succeeded(): void;
  /** The password was wrong: the attempt keeps counting until the window ends. */
  failed(): void;
}

interface Budget {
  used: number;
  resetAt: number;
}

/** Sources beyond this are swept of expired windows first. */
const SWEEP_ABOVE = 10_000;

export class LoginThrottle {
  private readonly budgets = new Map<string, Budget>();

  /**
   * @param maxSources sources remembered at most; beyond that the oldest are forgotten, so that a flood of addresses
   *   (any IPv6 /48 holds 65536 /64s) cannot grow the map without bound. Whoever has that many addresses gets a
   *   fresh budget from each of them anyway.
   */
  constructor(
    private readonly maxAttempts = 10,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxSources = 100_000,
  ) {}

  /**
   * Reserves one attempt under every key (a client address, an account), or throws 429 and reserves none when
   * any of them has used up its attempts for the current window.
   */
  reserve(keys: readonly string[]): Attempt {
    const now = this.now();
    if (this.budgets.size > SWEEP_ABOVE)
      for (const [k, b] of this.budgets) if (b.resetAt <= now) this.budgets.delete(k);
    // A Map iterates in insertion order: the first keys are the oldest windows.
    for (const k of this.budgets.keys()) {
      if (this.budgets.size < this.maxSources) break;
      this.budgets.delete(k);
    }
    const budgets = keys.map((key) => {
      const current = this.budgets.get(key);
      if (current && current.resetAt > now) return current;
      const fresh = { used: 0, resetAt: now + this.windowMs };
      this.budgets.set(key, fresh);
      return fresh;
    });
    const exhausted = budgets.find((b) => b.used >= this.maxAttempts);
    if (exhausted)
      throw new TooManyRequests(
        "too many failed sign-in attempts; try again later",
        Math.ceil((exhausted.resetAt - now) / 1000),
      );
    for (const b of budgets) b.used++;
    let settled = false;
    return {
      succeeded: () => {
        if (settled) return;
        settled = true;
        for (const b of budgets) b.used = Math.max(0, b.used - 1);
      },
      failed: () => {
        settled = true;
      },
    };
  }
}
