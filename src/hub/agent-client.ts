/**
 * The hub's HTTP requests to an agent. Every request has a deadline, never follows a redirect (an agent URL must
 * not become a way to reach another address), sends the API key in the X-API-Key header only (never in the URL,
 * where proxies log it), and reads at most MAX_BODY_BYTES of a body. Failures come back as AgentRequestFailed with
 * a kind the caller can act on (401 is "unauthorized", not "offline").
 */
import { buildInfo } from "../core/build-info";
import { API_KEY_HEADER } from "../protocol/agent";
import { agentEndpoint } from "./agent-url";

export type FailureKind = "unauthorized" | "not_found" | "status" | "redirect" | "network" | "timeout" | "invalid";

export class AgentRequestFailed extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    /** The JSON error document the agent answered with (`{error, message, …}`), when it sent one. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Where an agent is and how to authenticate: the stored stream URL and the decrypted API key. */
export interface AgentTarget {
  url: string;
  apiKey: string | null;
}

export const REQUEST_TIMEOUT_MS = 10_000;
/** A vnstat export with five-minute entries for several interfaces stays well below this. */
const MAX_BODY_BYTES = 8 << 20;
const USER_AGENT = `netronome-hub/${buildInfo.version}`;

function headers(target: AgentTarget, accept: string): Record<string, string> {
  return {
    accept,
    "user-agent": USER_AGENT,
    ...(target.apiKey ? { [API_KEY_HEADER]: target.apiKey } : {}),
  };
}

/** Error documents are small: a larger body is not read. */
const MAX_ERROR_BYTES = 64 * 1024;

/** The agent's JSON error document, if the answer carries a small one; the body is consumed either way. */
async function errorDetails(response: Response): Promise<Record<string, unknown> | undefined> {
  const type = response.headers.get("content-type") ?? "";
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (!type.startsWith("application/json") || declared > MAX_ERROR_BYTES) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  try {
    const parsed = JSON.parse(await readCapped(response, MAX_ERROR_BYTES));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function statusFailure(status: number, path: string, details?: Record<string, unknown>): AgentRequestFailed {
  if (status === 401 || status === 403)
    return new AgentRequestFailed("unauthorized", "unauthorized: check the API key", status);
  if (status === 404) return new AgentRequestFailed("not_found", `the agent has no ${path}`, status);
  if (details && typeof details.message === "string")
    return new AgentRequestFailed("status", details.message.slice(0, 1000), status, details);
  if (status >= 300 && status < 400)
    return new AgentRequestFailed(
      "redirect",
      `the agent answered with a redirect (HTTP ${status}); use the address it redirects to`,
      status,
    );
  return new AgentRequestFailed("status", `the agent answered HTTP ${status} for ${path}`, status);
}

/** Socket errors in plain words (Bun's own messages end in a question to the user). */
const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found (DNS failure)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  ConnectionRefused: "connection refused",
  ConnectionClosed: "connection closed",
};

/** What went wrong on the socket, in a few words. */
export function plainNetworkError(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  return (code && NETWORK_ERRORS[code]) ?? (error instanceof Error ? error.message : String(error));
}

function networkFailure(error: unknown, signal: AbortSignal, timedOut: AbortSignal): AgentRequestFailed {
  if (timedOut.aborted && !signal.aborted) return new AgentRequestFailed("timeout", "the agent did not answer in time");
  return new AgentRequestFailed("network", `cannot reach the agent: ${plainNetworkError(error)}`);
}

/** Opens a request with the deadline; the response's body is still to be read. */
async function open(
  target: AgentTarget,
  path: string,
  opts: { signal?: AbortSignal; timeoutMs?: number; accept: string; query?: Record<string, string> },
): Promise<{ response: Response; timedOut: AbortSignal; signal: AbortSignal }> {
  const timedOut = AbortSignal.timeout(opts.timeoutMs ?? REQUEST_TIMEOUT_MS);
  const outer = opts.signal ?? new AbortController().signal;
  const signal = AbortSignal.any([outer, timedOut]);
  let response: Response;
  try {
    response = await fetch(agentEndpoint(target.url, path, opts.query), {
      headers: headers(target, opts.accept),
      redirect: "manual",
      signal,
    });
  } catch (error) {
    throw networkFailure(error, outer, timedOut);
  }
  if (response.status !== 200) throw statusFailure(response.status, path, await errorDetails(response));
  return { response, timedOut, signal: outer };
}

async function readCapped(response: Response, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await response.body?.cancel().catch(() => {});
    throw new AgentRequestFailed("invalid", "the agent's answer is too large");
  }
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new AgentRequestFailed("invalid", "the agent's answer is too large");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** GETs a JSON document from the agent within the deadline (headers and body together). */
export async function getAgentJson(
  target: AgentTarget,
  path: string,
  opts: { signal?: AbortSignal; timeoutMs?: number; query?: Record<string, string> } = {},
): Promise<unknown> {
  const { response, timedOut, signal } = await open(target, path, { ...opts, accept: "application/json" });
  let body: string;
  try {
    body = await readCapped(response);
  } catch (error) {
    if (error instanceof AgentRequestFailed) throw error;
    throw networkFailure(error, signal, timedOut);
  }
  try {
    return JSON.parse(body);
  } catch {
    throw new AgentRequestFailed("invalid", `the agent's answer to ${path} is not JSON`);
  }
}

/**
 * Opens an event stream: a GET, or a POST of `json`. The deadline covers the response headers (and the error document
 * of an answer other than 200, which throws AgentRequestFailed with it); the stream then stays open until `signal`
 * aborts (its reader watches it for silence).
 */
export async function openAgentStream(
  target: AgentTarget,
  path: string,
  opts: { signal: AbortSignal; timeoutMs?: number; query?: Record<string, string>; json?: unknown },
): Promise<ReadableStream<Uint8Array>> {
  const { signal } = opts;
  const headersArrived = new AbortController();
  const timer = setTimeout(() => headersArrived.abort(), opts.timeoutMs ?? REQUEST_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(agentEndpoint(target.url, path, opts.query), {
      ...(opts.json === undefined
        ? { headers: headers(target, "text/event-stream") }
        : {
            method: "POST",
            headers: { ...headers(target, "text/event-stream"), "content-type": "application/json" },
            body: JSON.stringify(opts.json),
          }),
      redirect: "manual",
      signal: AbortSignal.any([signal, headersArrived.signal]),
    });
  } catch (error) {
    clearTimeout(timer);
    throw networkFailure(error, signal, headersArrived.signal);
  }
  try {
    // An error document that never arrives must not hold the run: it is read within the same deadline.
    if (response.status !== 200) throw statusFailure(response.status, path, await errorDetails(response));
  } finally {
    clearTimeout(timer);
  }
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream") || !response.body) {
    await response.body?.cancel().catch(() => {});
    throw new AgentRequestFailed("invalid", `the agent's ${path} is not an event stream`);
  }
  return response.body;
}

/** Opens the live-data stream (see openAgentStream). */
export function openLiveStream(
  target: AgentTarget,
  signal: AbortSignal,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<ReadableStream<Uint8Array>> {
  return openAgentStream(target, "/events", { signal, timeoutMs, query: { stream: "live-data" } });
}
