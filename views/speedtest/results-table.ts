/** The paginated table of speed-test results; refreshes itself when a test finishes. */
import { html } from "../../src/core/html";
import { PROVIDERS } from "../../src/measure/providers/registry";
import type { SpeedTestRow } from "../../src/speedtest/speedtest.repository";
import { localTime, mbps, ms } from "../components/format";
import { pager } from "../components/pager";
import type { PageContext } from "../layout";

export interface ResultsPage {
  rows: SpeedTestRow[];
  total: number;
  page: number;
  limit: number;
}

export function resultsTable(ctx: PageContext, p: ResultsPage) {
  const url = (page: number) => `${ctx.base}/speedtest/results?page=${page}&limit=${p.limit}`;
  return html`<div id="results" hx-get="${url(p.page)}" hx-trigger="speedtest-finished from:body" hx-swap="outerHTML">
    ${
      p.rows.length === 0
        ? html`<p class="empty">No results yet: run a test and it appears here.</p>`
        : html`<div class="table-wrap">
          <table>
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
              ${p.rows.map(
                (r) => html`<tr>
                  <td>${localTime(r.createdAt)}</td>
                  <td><span class="badge">${PROVIDERS[r.testType].label}</span>${r.isScheduled ? html` <span class="badge badge-info" title="Started by a schedule">scheduled</span>` : ""}</td>
                  <td><span class="truncate" title="${r.serverHost}">${r.serverName}</span>${r.isp ? html`<span class="muted small truncate result-isp" title="The ISP the test ran through">via ${r.isp}</span>` : ""}</td>
                  <td class="num">${mbps(r.downloadMbps)} <span class="muted small">Mbit/s</span></td>
                  <td class="num">${mbps(r.uploadMbps)} <span class="muted small">Mbit/s</span></td>
                  <td class="num">${ms(r.latencyMs)} <span class="muted small">ms</span></td>
                  <td class="num">${ms(r.jitterMs)} <span class="muted small">ms</span></td>
                  <td>${r.error ? html`<span class="badge badge-bad" title="${r.error}">failed</span> <span class="small muted truncate">${r.error}</span>` : html`<span class="badge badge-ok">ok</span>`}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
        ${pager({ total: p.total, page: p.page, limit: p.limit, url, target: "#results" })}`
    }
  </div>`;
}
