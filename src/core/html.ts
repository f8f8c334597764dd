/**
 * The one HTML template tag. Every interpolated value is escaped unless it is
 * itself a template result or was explicitly marked with `raw()`.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Renderable = SafeHtml | string | number | bigint | boolean | null | undefined | readonly Renderable[];

function render(value: Renderable): string {
  if (value == null || value === false || value === true) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return Bun.escapeHTML(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Renderable[]): SafeHtml {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "");
  return new SafeHtml(out);
}

/** Marks trusted markup (never user data) as safe to insert unescaped. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Serialises a value for an HTML attribute that holds JSON (for example Alpine's x-data). */
export function jsonAttr(value: unknown): string {
  return JSON.stringify(value);
}

// Alpine and htmx evaluate attribute expressions, hence 'unsafe-eval'; no inline <script> is ever needed.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Defence-in-depth headers carried by every HTML response (built once: they are the same for every page). */
const HTML_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
} as const;

interface ResponseOptions {
  status?: number;
  headers?: Record<string, string>;
}

function respond(text: string, init: ResponseOptions): Response {
  return new Response(text, {
    status: init.status ?? 200,
    headers: init.headers ? { ...HTML_HEADERS, ...init.headers } : HTML_HEADERS,
  });
}

/** A whole page. */
export function htmlResponse(body: SafeHtml, init: ResponseOptions = {}): Response {
  return respond(`<!doctype html>${body.value}`, init);
}

/** A fragment for htmx swaps: no doctype. */
export function fragmentResponse(body: SafeHtml, init: ResponseOptions = {}): Response {
  return respond(body.value, init);
}
