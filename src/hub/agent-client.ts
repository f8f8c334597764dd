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

function statusFailure(status: number, path: string): AgentRequestFailed {
  if (status === 401 || status === 403)
    return new AgentRequestFailed("unauthorized", "unauthorized: check the API key", status);
  if (status === 404) return new AgentRequestFailed("not_found", `the agent has no ${path}`, status);
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
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    throw statusFailure(response.status, path);
  }
  return { response, timedOut, signal: outer };
}

async function readCapped(response: Response): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
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
    if (size > MAX_BODY_BYTES) {
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
 * Opens the live-data stream. The deadline covers the response headers only; the stream then stays open until
 * `signal` aborts (the connection watches it for silence).
 */
export async function openLiveStream(
  target: AgentTarget,
  signal: AbortSignal,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<ReadableStream<Uint8Array>> {
  const headersArrived = new AbortController();
  const timer = setTimeout(() => headersArrived.abort(), timeoutMs);
  let response: Response;
  try {
    response = await fetch(agentEndpoint(target.url, "/events", { stream: "live-data" }), {
      headers: headers(target, "text/event-stream"),
      redirect: "manual",
      signal: AbortSignal.any([signal, headersArrived.signal]),
    });
  } catch (error) {
    throw networkFailure(error, signal, headersArrived.signal);
  } finally {
    clearTimeout(timer);
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    throw statusFailure(response.status, "/events?stream=live-data");
  }
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream") || !response.body) {
    await response.body?.cancel().catch(() => {});
    throw new AgentRequestFailed("invalid", "the agent's /events is not an event stream");
  }
  return response.body;
}
