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

/**
 * The static parts of each template with source indentation collapsed (a line break and the indentation after
 * it become one newline), computed once per call site. Pages get smaller; no template uses <pre> or <textarea>,
 * where whitespace would matter, and interpolated values are never touched.
 */
const compacted = new WeakMap<TemplateStringsArray, string[]>();

function compact(strings: TemplateStringsArray): string[] {
  let parts = compacted.get(strings);
  if (!parts) {
    parts = strings.map((s) => s.replace(/\n\s+/g, "\n"));
    compacted.set(strings, parts);
  }
  return parts;
}

export function html(strings: TemplateStringsArray, ...values: Renderable[]): SafeHtml {
  const parts = compact(strings);
  let out = parts[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (parts[i + 1] ?? "");
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

/**
 * Defence-in-depth headers carried by every HTML response (built once: they are the same for every page). Framing
 * is refused by the policy's frame-ancestors, which every current browser honours in place of X-Frame-Options.
 */
const HTML_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
} as const;

interface ResponseOptions {
  status?: number;
  headers?: Record<string, string>;
}

// Built once: a Response copies a Headers object much faster than it converts a plain one.
const SHARED_HTML_HEADERS = new Headers(HTML_HEADERS);

function respond(text: string | Blob, init: ResponseOptions): Response {
  return new Response(text, {
    status: init.status ?? 200,
    headers: init.headers ? { ...HTML_HEADERS, ...init.headers } : SHARED_HTML_HEADERS,
  });
}

/** A whole page. */
export function htmlResponse(body: SafeHtml | PreparedPage, init: ResponseOptions = {}): Response {
  return respond(body instanceof PreparedPage ? body.blob : `<!doctype html>${body.value}`, init);
}

/**
 * A page that never changes, encoded once into a Blob: responses share its bytes, so serving it costs no string
 * building, UTF-8 encoding or copying.
 */
export class PreparedPage {
  readonly blob: Blob;
  constructor(body: SafeHtml) {
    this.blob = new Blob([`<!doctype html>${body.value}`]);
  }
}

/** A fragment for htmx swaps: no doctype. */
export function fragmentResponse(body: SafeHtml, init: ResponseOptions = {}): Response {
  return respond(body.value, init);
}
