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

export function htmlResponse(body: SafeHtml, init: { status?: number; headers?: Record<string, string> } = {}) {
  return new Response(`<!doctype html>${body.value}`, {
    status: init.status ?? 200,
    headers: { "content-type": "text/html; charset=utf-8", ...init.headers },
  });
}

/** A fragment for htmx swaps: no doctype. */
export function fragmentResponse(body: SafeHtml, init: { status?: number; headers?: Record<string, string> } = {}) {
  return new Response(body.value, {
    status: init.status ?? 200,
    headers: { "content-type": "text/html; charset=utf-8", ...init.headers },
  });
}
