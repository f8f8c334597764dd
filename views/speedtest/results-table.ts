/** The paginated table of speed-test results; refreshes itself when a test finishes. On a phone each row is a card. */
import { html } from "../../src/core/html";
import { PROVIDERS } from "../../src/measure/providers/registry";
import type { SpeedTestRow } from "../../src/speedtest/speedtest.repository";
import { ms, percent, rateCell, timeTag } from "../components/format";
import { pager } from "../components/pager";
import { type MachineChoice, machineName } from "../components/run-from";
import type { PageContext } from "../layout";

export interface ResultsPage {
  rows: SpeedTestRow[];
  total: number;
  page: number;
  limit: number;
  /** The agents (for the "From" column and filter; none: neither is shown unless a result ran on one). */
  machines: readonly MachineChoice[];
  /** The machine filter as the query carries it: "" (all), "local", or an agent's id. */
  from: string;
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

function resultRow(ctx: PageContext, r: SpeedTestRow, machines: readonly MachineChoice[] | null) {
  return html`<tr${r.error ? html` class="failed"` : ""}>
    <td class="cell-time" data-label="Time">${timeTag(ctx.timezone, r.createdAt)}</td>
    ${machines ? html`<td data-label="From"><span class="truncate">${machineName(machines, r.agentId, r.agentName)}</span></td>` : ""}
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

/** The machine filter: all, this server, or one agent (results of removed agents are under "all"). */
function fromFilter(ctx: PageContext, p: ResultsPage) {
  const option = (value: string, label: string) =>
    html`<option value="${value}" ${p.from === value ? html`selected` : ""}>${label}</option>`;
  return html`<div class="field results-filter">
    <label for="results-from">Ran from</label>
    <select id="results-from" name="from" hx-get="${ctx.base}/speedtest/results" hx-target="#results" hx-swap="outerHTML">
      ${option("", "Every machine")} ${option("local", "This server")}
      ${p.machines.map((m) => option(String(m.id), m.name))}
    </select>
  </div>`;
}

export function resultsTable(ctx: PageContext, p: ResultsPage) {
  const from = p.from ? `&from=${encodeURIComponent(p.from)}` : "";
  const url = (page: number) => `${ctx.base}/speedtest/results?page=${page}&limit=${p.limit}${from}`;
  const machines = p.machines.length > 0 || p.rows.some((r) => r.agentId !== null) ? p.machines : null;
  return html`<div id="results" hx-get="${url(p.page)}" hx-trigger="speedtest-finished from:body, stream-resync from:body" hx-swap="outerHTML">
    ${machines ? fromFilter(ctx, p) : ""}
    ${
      p.rows.length === 0
        ? html`<p class="empty">${p.from ? "No results from this machine yet." : "No results yet: run a test and it appears here."}</p>`
        : html`<div class="table-wrap">
          <table class="card-rows">
            <thead>
              <tr>
                <th scope="col">Time</th>
                ${machines ? html`<th scope="col">From</th>` : ""}
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
              ${p.rows.map((r) => resultRow(ctx, r, machines))}
            </tbody>
          </table>
        </div>
        ${pager({ total: p.total, page: p.page, limit: p.limit, url, target: "#results", note: `times in ${ctx.timezone}` })}`
    }
  </div>`;
}
