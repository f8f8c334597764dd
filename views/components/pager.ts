/** Previous/next buttons under a paginated table, swapping the table's container through htmx. */
import { html } from "../../src/core/html";

export interface PagerOptions {
  total: number;
  page: number;
  limit: number;
  /** The fragment URL of a page. */
  url: (page: number) => string;
  /** The element a page replaces, e.g. "#results". */
  target: string;
  /** Appended to the count, e.g. "times in ms". */
  note?: string;
}

export function pager(o: PagerOptions) {
  const pages = Math.max(1, Math.ceil(o.total / o.limit));
  return html`<nav class="pager" aria-label="Result pages">
    <span class="muted small">${o.total} result${o.total === 1 ? "" : "s"} · page ${o.page} of ${pages}${o.note ? ` · ${o.note}` : ""}</span>
    <span class="row">
      <button class="btn btn-small" type="button" hx-get="${o.url(o.page - 1)}" hx-target="${o.target}" hx-swap="outerHTML" ${o.page <= 1 ? html`disabled` : ""}>Previous</button>
      <button class="btn btn-small" type="button" hx-get="${o.url(o.page + 1)}" hx-target="${o.target}" hx-swap="outerHTML" ${o.page >= pages ? html`disabled` : ""}>Next</button>
    </span>
  </nav>`;
}
