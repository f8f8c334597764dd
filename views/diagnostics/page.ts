/** The Traceroute page; the traceroute panel itself is served by its feature (/traceroute/panel). */
import { html } from "../../src/core/html";
import { layout, type PageContext } from "../layout";

export function diagnosticsPage(ctx: PageContext, o: { host?: string }) {
  const panel = `${ctx.base}/traceroute/panel${o.host ? `?host=${encodeURIComponent(o.host)}` : ""}`;
  return layout(ctx, {
    title: "Traceroute",
    scripts: ["traceroute.js"],
    content: html`<div class="page-head">
        <div><h1>Traceroute</h1><p>Trace the path to a host, hop by hop. To watch loss and latency over time, add a <a href="${ctx.base}/monitors${o.host ? `?host=${encodeURIComponent(o.host)}` : ""}">monitor</a>.</p></div>
      </div>
      <div id="diagnostics-panel" hx-get="${panel}" hx-trigger="load" hx-swap="innerHTML">
        <p class="muted" aria-live="polite">Loading…</p>
      </div>`,
  });
}
