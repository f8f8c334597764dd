/**
 * HTTP for the updater: HTTPS only (plain HTTP to loopback, for local mirrors and tests), redirects followed by hand
 * so each hop obeys the same rule, a deadline on every request, an idle timeout while a body streams, and a size cap.
 */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

export class UpdateError extends Error {}

export interface FetchLimits {
  /** The whole request, headers and body. */
  timeoutMs: number;
  /** Longest silence while the body streams. */
  idleTimeoutMs?: number;
  maxBytes: number;
  headers?: Record<string, string>;
}

const MAX_REDIRECTS = 5;
const LOOPBACK = /^(127(?:\.\d{1,3}){3}|\[::1\]|localhost)$/i;

/** Refuses URLs other than https:, or http: to this machine. */
export function checkUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UpdateError(`${what} is not a URL: ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && LOOPBACK.test(url.hostname)) return url;
  throw new UpdateError(`${what} must use https (got ${url.protocol}//${url.host})`);
}

/** Opens a response, following up to five redirects, each checked by checkUrl. */
async function open(raw: string, what: string, limits: FetchLimits, signal: AbortSignal): Promise<Response> {
  let url = checkUrl(raw, what);
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetch(url, { redirect: "manual", signal, headers: limits.headers });
    } catch (e) {
      throw new UpdateError(`${what}: cannot fetch ${url.origin}${url.pathname}: ${reason(e, limits)}`);
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new UpdateError(`${what}: more than ${MAX_REDIRECTS} redirects`);
      url = checkUrl(new URL(location, url).href, `${what} (redirect)`);
      continue;
    }
    const length = Number(res.headers.get("content-length") ?? Number.NaN);
    if (res.ok && length > limits.maxBytes) {
      await res.body?.cancel();
      throw new UpdateError(`${what} is ${length} bytes, more than the ${limits.maxBytes} allowed`);
    }
    return res;
  }
}

function reason(e: unknown, limits: FetchLimits): string {
  if (e instanceof DOMException && e.name === "TimeoutError") return `no answer within ${limits.timeoutMs / 1000} s`;
  if (e instanceof UpdateError) return e.message;
  // Bun appends advice about its own debugging option; not useful to someone updating.
  return (e instanceof Error ? e.message : String(e)).replace(/\s*For more information, pass `verbose: true`.*$/s, "");
}

/**
 * Streams a body to `sink` chunk by chunk, enforcing the size cap and the idle timeout.
 * Returns the response (for its status) and the number of bytes received.
 */
async function stream(
  url: string,
  what: string,
  limits: FetchLimits,
  sink: (chunk: Uint8Array, received: number, total: number | null) => void,
): Promise<{ res: Response; received: number }> {
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const res = await open(url, what, limits, deadline);
  if (!res.ok) {
    await res.body?.cancel();
    return { res, received: 0 };
  }
  const total = Number(res.headers.get("content-length") ?? Number.NaN);
  const reader = res.body!.getReader();
  let received = 0;
  try {
    for (;;) {
      let idle: Timer | undefined;
      const silence = new Promise<never>((_, reject) => {
        idle = setTimeout(
          () => reject(new UpdateError(`${what}: no data for ${(limits.idleTimeoutMs ?? limits.timeoutMs) / 1000} s`)),
          limits.idleTimeoutMs ?? limits.timeoutMs,
        );
      });
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await Promise.race([reader.read(), silence]);
      } finally {
        clearTimeout(idle);
      }
      if (step.done) break;
      received += step.value.byteLength;
      if (received > limits.maxBytes)
        throw new UpdateError(`${what} is larger than the ${limits.maxBytes} bytes allowed`);
      sink(step.value, received, Number.isFinite(total) ? total : null);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e instanceof UpdateError ? e : new UpdateError(`${what}: download failed: ${reason(e, limits)}`);
  }
  if (Number.isFinite(total) && received !== total)
    throw new UpdateError(`${what}: the connection closed after ${received} of ${total} bytes`);
  return { res, received };
}

function statusError(what: string, res: Response): UpdateError {
  return new UpdateError(`${what}: the server answered ${res.status} ${res.statusText}`.trimEnd());
}

/** A small body (API answer, checksums, signature) in memory. Null on 404. */
export async function fetchBytes(url: string, what: string, limits: FetchLimits): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  const { res } = await stream(url, what, limits, (chunk) => chunks.push(chunk));
  if (res.status === 404) return null;
  if (!res.ok) throw statusError(what, res);
  return Buffer.concat(chunks);
}

/**
 * Writes a body to `path` (created, never overwritten), hashing it on the way, and syncs it to disk.
 * Returns its SHA-256 in hex. The caller removes the file on failure.
 */
export async function downloadTo(
  url: string,
  path: string,
  what: string,
  limits: FetchLimits,
  onProgress?: (received: number, total: number | null) => void,
): Promise<{ sha256: string; bytes: number }> {
  const hasher = new Bun.CryptoHasher("sha256");
  const fd = openSync(path, "wx", 0o600);
  try {
    const { res, received } = await stream(url, what, limits, (chunk, got, total) => {
      hasher.update(chunk);
      for (let off = 0; off < chunk.byteLength; ) off += writeSync(fd, chunk, off);
      onProgress?.(got, total);
    });
    if (!res.ok) throw statusError(what, res);
    fsyncSync(fd);
    return { sha256: hasher.digest("hex"), bytes: received };
  } finally {
    closeSync(fd);
  }
}
