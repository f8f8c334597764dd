/** Small helpers of the HTTP providers: deadlines, bounded concurrency, rates, abortable sleep, safe URLs and error texts. */
import { ProviderError } from "./provider";

/** A request that received neither headers nor body bytes for the request timeout. */
export class RequestStalled extends Error {}

/**
 * Runs `work` under `signal` plus a deadline of `timeoutMs`; a missed deadline
 * becomes a ProviderError saying what did not finish. An abort of `signal`
 * itself still rejects with its reason.
 */
export async function withDeadline<T>(
  what: string,
  timeoutMs: number,
  signal: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  signal.throwIfAborted();
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    return await work(AbortSignal.any([signal, deadline]));
  } catch (error) {
    if (!signal.aborted && deadline.aborted) {
      throw new ProviderError(`${what} did not finish within the ${timeoutMs / 1000} s timeout`);
    }
    throw error;
  }
}

/** Runs `work` on every item with at most `limit` running at once; results keep the items' order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function toMbps(bytes: number, ms: number): number {
  return ms > 0 ? (bytes * 8) / 1e6 / (ms / 1000) : 0;
}

/** Resolves after `ms`, or rejects with the abort reason. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The URL without credentials or query, safe for error messages. */
export function publicUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "the server";
  }
}

export function describeFailure(error: unknown, requestTimeoutMs: number): string {
  if (error instanceof RequestStalled || (error instanceof DOMException && error.name === "TimeoutError")) {
    return `no answer from the server within ${requestTimeoutMs / 1000} s`;
  }
  const code = (error as { code?: unknown }).code;
  if (code === "ECONNRESET") return "the server closed the connection mid-transfer";
  if (code === "ConnectionRefused" || code === "ECONNREFUSED") return "the server refused the connection";
  return error instanceof Error ? error.message : String(error);
}
