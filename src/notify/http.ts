/**
 * One outgoing HTTP request for a channel: a deadline, no redirects followed (a webhook that redirects is
 * misconfigured, and following would let it point the server anywhere), a bounded read of the answer, and an error
 * that says whether trying again may help. The answer of a host the user typed is never put into the error: the
 * error reaches the API, the history and the log, and "Send test" would otherwise read internal pages. Only a
 * public service's own API (`HttpCall.publicService`) has its error text shown, since it explains the channel's fault.
 */
import { STATUS_CODES } from "node:http";
import { DeliveryError, type HttpCall } from "./channels/channel";

const MAX_ANSWER_BYTES = 256 * 1024;
const MAX_RETRY_AFTER_MS = 5 * 60_000;

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_ANSWER_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES));
}

function retryAfter(res: Response): number | undefined {
  const h = res.headers.get("retry-after");
  if (!h) return undefined;
  const seconds = Number(h);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(h) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

/** `stop` aborts the request at once (shutdown). */
export async function httpCall(call: HttpCall, timeoutMs: number, stop?: AbortSignal): Promise<unknown> {
  const host = URL.canParse(call.url) ? new URL(call.url).host : "?";
  let res: Response;
  try {
    res = await fetch(call.url, {
      method: call.method,
      headers: { "user-agent": "Netronome", ...call.headers },
      body: call.body,
      redirect: "manual",
      signal: stop ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]) : AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const err = e as Error & { code?: string };
    const why =
      err.name === "TimeoutError"
        ? `no answer within ${timeoutMs / 1000} s`
        : err.code === "Malformed_HTTP_Response"
          ? "not an HTTP answer (Malformed_HTTP_Response)"
          : // Bun names the URL (which may hold a token) and advises its own debugging option.
            err.message
              .replace(/ fetching "[^"]*"/, "")
              .replace(/\.?\s*For more information, pass `verbose: true`.*$/s, "");
    throw new DeliveryError(`${host}: ${why}`, true);
  }
  let text: string;
  try {
    text = await readBounded(res);
  } catch (e) {
    throw new DeliveryError(`${host}: the answer broke off (${(e as Error).message})`, true);
  }
  if (res.status >= 300) {
    const detail = call.publicService ? text.replace(/\s+/g, " ").trim().slice(0, 200) : "";
    const reason = STATUS_CODES[res.status] ? ` ${STATUS_CODES[res.status]}` : "";
    const what =
      res.status < 400
        ? `redirected (HTTP ${res.status}); give the final address, redirects are not followed`
        : `HTTP ${res.status}${reason}`;
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    const message = `${host}: ${what}${detail ? `: ${detail}` : ""}`;
    throw new DeliveryError(message, retryable, retryAfter(res), res.status, parsed(text));
  }
  return parsed(text);
}

function parsed(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
