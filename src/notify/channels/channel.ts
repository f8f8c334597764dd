/**
 * The contract every notification channel implements: its URL format (shoutrrr-style, so configurations from the
 * original keep working), the form fields derived from it, a pure payload builder and a send function.
 */
import { BadInput } from "../../core/errors";
import type { Notice } from "../notice";

export interface ChannelField {
  key: string;
  label: string;
  /** Masked in every page, API answer and log line. `partial` keeps enough to recognise it (e.g. the host). */
  secret?: boolean | "partial";
  /** How a secret is shown, when something of it should stay visible (a bot's ID before its token). */
  mask?: (value: string, mask: string) => string;
  required?: boolean;
  /**
   * Where (or how) the channel's secrets travel: host, port, protocol. When it changes, stored secrets are not
   * carried over from their masked form; they must be given again (else editing the host would collect them).
   */
  destination?: boolean;
  placeholder?: string;
  hint?: string;
  /** A fixed set of choices (rendered as a select); the first is the default. */
  choices?: readonly string[];
}

/** A channel's settings: one string per field. */
export type ChannelValues = Record<string, string>;

export interface HttpCall {
  method: "POST" | "PUT" | "GET";
  url: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * The target is a public service's own API at a fixed host (Discord, Slack, Telegram, Pushover): its error text
   * says what is wrong with the channel and may be shown. Answers of hosts the user chose are never shown.
   */
  publicService?: boolean;
}

export interface MailMessage {
  host: string;
  port: number;
  security: "auto" | "starttls" | "tls" | "none";
  username: string;
  password: string;
  from: string;
  to: string[];
  /** The whole message (headers and body), CRLF line ends. */
  data: string;
}

/** What a channel may use to deliver; supplied by the delivery queue. */
export interface SendContext {
  /** Sends one HTTP request; resolves with the parsed JSON (or text) of a 2xx answer, throws DeliveryError otherwise. */
  http(call: HttpCall): Promise<unknown>;
  /** Sends one mail over SMTP. */
  mail(message: MailMessage): Promise<void>;
  /** The origin to use instead of a service's public one (tests point channels at local receivers). */
  origin(fallback: string): string;
  /** What this channel keeps between its sends (a Matrix sign-in), until `release` ends it. */
  cache: Map<string, unknown>;
}

export interface ChannelType {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  /** An example URL, shown as help. */
  readonly example: string;
  /** URL schemes this channel reads (besides http/https URLs it recognises with `matches`). */
  readonly schemes: readonly string[];
  readonly fields: readonly ChannelField[];
  /** For plain http(s) URLs: whether this is one of this service's webhook URLs. */
  matches?(url: URL): boolean;
  /** Reads a URL of this channel into field values; throws BadInput naming what is wrong. */
  parse(url: URL): ChannelValues;
  /** Checks values beyond "required" (called for URLs and forms alike). */
  validate?(values: ChannelValues): void;
  /** The canonical URL for these values. */
  format(values: ChannelValues): string;
  /** The body this channel sends for a notice (pure). */
  payload(notice: Notice, values: ChannelValues): unknown;
  send(notice: Notice, values: ChannelValues, ctx: SendContext): Promise<void>;
  /**
   * Ends what `send` keeps in `ctx.cache` at the service (signs out of a Matrix login). Called once the channel is
   * changed, deleted or was an unsaved one being tested, and at shutdown; `ctx.cache` is not used again afterwards.
   */
  release?(ctx: SendContext): Promise<void>;
}

/** A send that failed; `retryable` when trying again later may succeed (network, 5xx, 429). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    /** The HTTP status, for HTTP failures. */
    readonly status?: number,
    /**
     * The answer's JSON, for the channel's own decisions (Matrix's `errcode`). Never shown, stored or logged: the
     * target may be a host the user chose (see HttpCall.publicService).
     */
    readonly answer?: unknown,
  ) {
    super(message);
  }
}

export const badUrl = (message: string) => new BadInput(`url: ${message}`, "url");

/** A query parameter, matched without regard to case (shoutrrr's parameters are case-insensitive). */
export function param(url: URL, ...names: string[]): string | undefined {
  const wanted = names.map((n) => n.toLowerCase());
  for (const [k, v] of url.searchParams) if (wanted.includes(k.toLowerCase())) return v;
  return undefined;
}

export function yes(value: string | undefined): boolean {
  return value !== undefined && ["yes", "true", "1", "on"].includes(value.toLowerCase());
}

export function userOf(url: URL): string {
  return decodeURIComponent(url.username);
}

export function passwordOf(url: URL): string {
  return decodeURIComponent(url.password);
}

/** The path's non-empty segments, decoded. */
export function segments(url: URL): string[] {
  return url.pathname
    .split("/")
    .filter((s) => s !== "")
    .map((s) => decodeURIComponent(s));
}

/** Percent-encodes a URL component, leaving nothing ambiguous. */
export const enc = encodeURIComponent;

/** Builds a query string from the non-empty entries, or "" when there are none. */
export function query(entries: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(entries)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** A comma-separated list, trimmed, empty items dropped. */
export function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An http(s) origin plus path from a host[:port][/path] value and whether TLS is off. */
export function baseUrl(hostAndPath: string, insecure: boolean): string {
  return `${insecure ? "http" : "https"}://${hostAndPath.replace(/\/+$/, "")}`;
}

export const jsonCall = (url: string, body: unknown, headers: Record<string, string> = {}): HttpCall => ({
  method: "POST",
  url,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** A JSON POST to a public service's own API (see HttpCall.publicService). */
export const serviceCall = (url: string, body: unknown, headers: Record<string, string> = {}): HttpCall => ({
  ...jsonCall(url, body, headers),
  publicService: true,
});

/** Shortens text to a service's limit, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** An http(s) URL typed into a field; throws BadInput naming the field. */
export function httpUrl(value: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw badUrl(`${what} must be an http(s) URL`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw badUrl(`${what} must be an http(s) URL`);
  if (u.username || u.password) throw badUrl(`${what} must not carry a user name or password`);
  return u;
}

export const basicAuth = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
