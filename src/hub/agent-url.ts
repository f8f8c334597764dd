/**
 * Agent URLs as the original stores them: the live-data stream's URL, `<base>/events?stream=live-data`. A user
 * may give the agent's base URL or that stream URL, with or without a trailing slash; "host:8200" without a scheme
 * means http. Only http and https, no user name or password in the URL (the API key travels in a header), no query
 * or fragment besides the stream's own.
 */
import { BadInput } from "../core/errors";
import { LIVE_STREAM } from "../protocol/agent";

export const LIVE_SUFFIX = `/events?stream=${LIVE_STREAM}`;
const MAX_URL_LENGTH = 500;

function reject(problem: string): never {
  throw new BadInput(`url: ${problem}`, "url");
}

/** Validates and normalises a URL typed by a user; returns the stream URL to store. */
export function normaliseAgentUrl(input: string): string {
  let text = input.trim();
  if (text === "") reject("required, the agent's address such as http://192.168.1.10:8200");
  if (text.length > MAX_URL_LENGTH) reject(`at most ${MAX_URL_LENGTH} characters`);
  if (/\s/.test(text)) reject("must not contain spaces");
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    // "host:8200" would otherwise parse as the scheme "host:".
    if (/^[a-z][a-z0-9+.-]*:(?!\d)/i.test(text)) reject("must be an http:// or https:// URL");
    text = `http://${text}`;
  }
  if (text.endsWith(LIVE_SUFFIX)) text = text.slice(0, -LIVE_SUFFIX.length);
  const url = URL.parse(text);
  if (!url) reject("is not a valid URL");
  if (url.protocol !== "http:" && url.protocol !== "https:") reject("must be an http:// or https:// URL");
  if (url.username || url.password) reject("must not contain a user name or password; give the API key separately");
  if (!url.hostname) reject("needs a host");
  if (url.search || url.hash) reject("must not have a query or fragment (other than /events?stream=live-data)");
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  const stored = base + LIVE_SUFFIX;
  if (stored.length > MAX_URL_LENGTH) reject(`at most ${MAX_URL_LENGTH} characters`);
  return stored;
}

/** The agent's base URL (no trailing slash) from a stored stream URL. */
export function agentBaseUrl(stored: string): string {
  return stored.endsWith(LIVE_SUFFIX) ? stored.slice(0, -LIVE_SUFFIX.length) : stored.replace(/\/+$/, "");
}

/** The URL of an agent endpoint such as "/system/info", with an optional query of plain values (each escaped). */
export function agentEndpoint(stored: string, path: string, query: Record<string, string> = {}): string {
  const url = new URL(agentBaseUrl(stored) + path);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.toString();
}
