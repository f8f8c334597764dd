/** The Traceroute page: one switch between a single traceroute and continuous packet-loss monitoring. */
import { html } from "../../src/core/html";
import { layout, type PageContext } from "../layout";

export type DiagnosticsTab = "traceroute" | "monitors";

export function diagnosticsPage(ctx: PageContext, o: { tab: DiagnosticsTab; host?: string }) {
  const tabs: [DiagnosticsTab, string, string][] = [
    ["traceroute", "Traceroute", `${ctx.base}/traceroute/panel${o.host ? `?host=${encodeURIComponent(o.host)}` : ""}`],
    [
      "monitors",
      "Packet-loss monitors",
      `${ctx.base}/monitors/panel${o.host ? `?host=${encodeURIComponent(o.host)}` : ""}`,
    ],
  ];
  return layout(ctx, {
    title: "Traceroute",
    live: true,
    scripts: ["apexcharts.js", "traceroute.js", "monitors.js"],
    content: html`<div class="page-head">
        <div><h1>Network diagnostics</h1><p>Trace the path to a host, or watch packet loss and latency over time.</p></div>
        <nav class="segmented" aria-label="Diagnostics mode">
          ${tabs.map(
            ([id, label]) =>
              html`<a href="${ctx.base}/traceroute${id === "monitors" ? "?tab=monitors" : ""}" ${o.tab === id ? html`aria-current="page"` : ""}>${label}</a>`,
          )}
        </nav>
      </div>
      <div id="diagnostics-panel" hx-get="${tabs.find(([id]) => id === o.tab)![2]}" hx-trigger="load" hx-swap="innerHTML">
        <p class="muted" aria-live="polite">Loading…</p>
      </div>`,
  });
}
