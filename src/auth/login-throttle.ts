/** Slows password guessing: after too many failures from one address, logins from it wait. */
import { TooManyRequests } from "../core/errors";

export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxFailures = 10,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws when the address has used up its attempts for the current window. */
  check(key: string): void {
    const entry = this.failures.get(key);
    if (!entry) return;
    const left = entry.resetAt - this.now();
    if (left <= 0) this.failures.delete(key);
    else if (entry.count >= this.maxFailures)
      throw new TooManyRequests("too many failed logins; try again later", Math.ceil(left / 1000));
  }

  fail(key: string): void {
    const now = this.now();
    if (this.failures.size > 10_000) for (const [k, e] of this.failures) if (e.resetAt <= now) this.failures.delete(k);
    const entry = this.failures.get(key);
    if (entry && entry.resetAt > now) entry.count++;
    else this.failures.set(key, { count: 1, resetAt: now + this.windowMs });
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }
}
