/** The paginated table of speed-test results; refreshes itself when a test finishes. On a phone each row is a card. */
import { html } from "../../src/core/html";
import { PROVIDERS } from "../../src/measure/providers/registry";
import type { SpeedTestRow } from "../../src/speedtest/speedtest.repository";
import { ms, percent, rateCell, timeTag } from "../components/format";
import { pager } from "../components/pager";
import type { PageContext } from "../layout";

export interface ResultsPage {
  rows: SpeedTestRow[];
  total: number;
  page: number;
  limit: number;
}

const UDP_NOTE = "UDP at a fixed send rate: the rate that arrived, not the link's capacity";

function rateTd(label: string, r: SpeedTestRow, mbps: number | null) {
  return html`<td class="num" data-label="${label}"${r.udp && mbps !== null ? html` title="${UDP_NOTE}"` : ""}>${rateCell(mbps)}</td>`;
}

/** A figure in ms with its unit, or a bare "–". */
function msCell(value: number | null) {
  return value === null ? html`–` : html`${ms(value)} <span class="muted small">ms</span>`;
}

function figures(r: SpeedTestRow) {
  // A failed run measured nothing: its message takes the place of the figures.
  if (r.error) return html`<td class="cell-error" colspan="4" data-label="Error">${r.error}</td>`;
  return html`${rateTd("Download", r, r.downloadMbps)}
    ${rateTd("Upload", r, r.uploadMbps)}
    <td class="num" data-label="Latency">${msCell(r.latencyMs)}</td>
    <td class="num" data-label="Jitter">${msCell(r.jitterMs)}${
      r.udp && r.packetLoss !== null
        ? html`<span class="cell-sub ${r.packetLoss > 0 ? "loss" : "muted"} small">${percent(r.packetLoss)} loss</span>`
        : ""
    }</td>`;
}

function resultRow(ctx: PageContext, r: SpeedTestRow) {
  return html`<tr${r.error ? html` class="failed"` : ""}>
    <td class="cell-time" data-label="Time">${timeTag(ctx.timezone, r.createdAt)}</td>
    <td data-label="Provider"><span class="badge">${PROVIDERS[r.testType].label}</span>${
      r.udp ? html` <span class="badge badge-warn" title="${UDP_NOTE}">UDP</span>` : ""
    }${r.isScheduled ? html` <span class="badge badge-info" title="Started by a schedule">scheduled</span>` : ""}</td>
    <td class="cell-server" data-label="Server"><span class="truncate" title="${r.serverHost}">${r.serverName}</span>${
      r.isp
        ? html`<span class="muted small truncate result-isp" title="The ISP the test ran through">via ${r.isp}</span>`
        : ""
    }</td>
    ${figures(r)}
    <td data-label="Status">${
      r.error ? html`<span class="badge badge-bad">failed</span>` : html`<span class="badge badge-ok">ok</span>`
    }</td>
  </tr>`;
}

export function resultsTable(ctx: PageContext, p: ResultsPage) {
  const url = (page: number) => `${ctx.base}/speedtest/results?page=${page}&limit=${p.limit}`;
  return html`<div id="results" hx-get="${url(p.page)}" hx-trigger="speedtest-finished from:body, stream-resync from:body" hx-swap="outerHTML">
    ${
      p.rows.length === 0
        ? html`<p class="empty">No results yet: run a test and it appears here.</p>`
        : html`<div class="table-wrap">
          <table class="card-rows">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Provider</th>
                <th scope="col">Server</th>
                <th scope="col" class="num">Download</th>
                <th scope="col" class="num">Upload</th>
                <th scope="col" class="num">Latency</th>
                <th scope="col" class="num">Jitter</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              ${p.rows.map((r) => resultRow(ctx, r))}
            </tbody>
          </table>
        </div>
        ${pager({ total: p.total, page: p.page, limit: p.limit, url, target: "#results", note: `times in ${ctx.timezone}` })}`
    }
  </div>`;
}
