/** The dashboard's monitor overview: each monitor's state, its last run's loss and RTT, and when that was. */
import { html } from "../../src/core/html";
import type { ResultSummary } from "../../src/diagnostics/monitors/monitors.repository";
import type { MonitorView } from "../../src/diagnostics/monitors/monitors.service";
import { ms, percent, timeTag } from "../components/format";
import { STATE_LABEL, STATUS_LABEL, stateClass, statusClass } from "../diagnostics/monitor-labels";
import type { PageContext } from "../layout";

export interface MonitorOverview {
  monitor: MonitorView;
  latest: ResultSummary | undefined;
}

export function monitorsSummary(ctx: PageContext, rows: readonly MonitorOverview[]) {
  return html`<section id="monitors-summary" class="card" aria-labelledby="monitors-summary-title" hx-get="${ctx.base}/dashboard/monitors" hx-trigger="packetloss-started from:body throttle:1s, packetloss-finished from:body throttle:1s, packetloss-cancelled from:body, stream-resync from:body" hx-swap="outerHTML">
    <div class="card-head">
      <h2 id="monitors-summary-title">Monitors</h2>
      <a class="btn btn-small" href="${ctx.base}/monitors">All monitors</a>
    </div>
    ${
      rows.length === 0
        ? html`<p class="empty">No monitors yet. <a href="${ctx.base}/monitors">Add one</a> to watch packet loss and latency to a host.</p>`
        : html`<ul class="monitor-overview">
          ${rows.map(
            ({ monitor: m, latest }) => html`<li>
              <span class="monitor-overview-who">
                <a class="monitor-overview-name" href="${ctx.base}/monitors/${m.id}">${m.name}</a>
                <span class="mono small muted truncate" title="${m.host}">${m.host}</span>
              </span>
              <span class="monitor-overview-badges">
                <span class="badge ${statusClass(m.status)}">${STATUS_LABEL[m.status]}</span>
                <span class="badge ${stateClass(m.lastState)}">${STATE_LABEL[m.lastState]}</span>
              </span>
              <span class="monitor-overview-figures small">${
                latest
                  ? latest.error
                    ? html`<span class="loss">last run failed</span>`
                    : html`<span class="${latest.packetLoss > 0 ? "loss" : ""}">${percent(latest.packetLoss)} loss</span> · ${ms(latest.avgRtt)} ms`
                  : html`<span class="muted">no runs yet</span>`
              }</span>
              <span class="small muted">${latest ? html`${timeTag(ctx.timezone, latest.createdAt, "relative")}` : ""}</span>
            </li>`,
          )}
        </ul>`
    }
  </section>`;
}
