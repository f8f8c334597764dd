/** The dashboard: latest figures with the change from the previous result, the history chart, recent results. */
import { html, jsonAttr, type SafeHtml } from "../../src/core/html";
import { PROVIDERS } from "../../src/measure/providers/registry";
import type { SpeedTestRow } from "../../src/speedtest/speedtest.repository";
import type { TestType } from "../../src/speedtest/speedtest.schema";
import { rangeButtons } from "../components/charts";
import { localTime, mbps, ms } from "../components/format";
import { layout, type PageContext } from "../layout";

export interface DashboardView {
  latest?: SpeedTestRow;
  previous?: SpeedTestRow;
  servers: { serverId: string; serverName: string; testType: TestType }[];
  defaultRange: string;
  results: SafeHtml;
}

type Metric = "downloadMbps" | "uploadMbps" | "latencyMs" | "jitterMs";

function statCard(label: string, metric: Metric, unit: string, color: string, v: DashboardView) {
  const value = v.latest?.[metric] ?? null;
  const before = v.previous?.[metric] ?? null;
  const higherIsBetter = metric === "downloadMbps" || metric === "uploadMbps";
  const format = higherIsBetter ? mbps : ms;
  let delta: SafeHtml = html`<span class="delta muted">no earlier result</span>`;
  if (value !== null && before !== null && before !== 0) {
    const change = ((value - before) / before) * 100;
    const good = higherIsBetter ? change >= 0 : change <= 0;
    const arrow = change > 0 ? "▲" : change < 0 ? "▼" : "•";
    delta = html`<span class="delta ${Math.abs(change) < 0.5 ? "" : good ? "good" : "bad"}" title="Previous: ${format(before)} ${unit}">${arrow} ${Math.abs(change).toFixed(1)}% vs previous</span>`;
  }
  return html`<section class="card stat" style="--stat-color: var(${color})">
    <span class="stat-label">${label}</span>
    <span class="stat-value">${format(value)}<span class="stat-unit">${unit}</span></span>
    ${delta}
  </section>`;
}

export function dashboardPage(ctx: PageContext, v: DashboardView) {
  const metrics = [
    ["download", "Download"],
    ["upload", "Upload"],
    ["latency", "Latency"],
    ["jitter", "Jitter"],
  ] as const;
  return layout(ctx, {
    title: "Dashboard",
    live: true,
    scripts: ["apexcharts.js", "dashboard.js"],
    content: html`<div class="page-head">
        <div>
          <h1>Dashboard</h1>
          <p>${
            v.latest
              ? html`Last test ${localTime(v.latest.createdAt, "relative")} · ${v.latest.serverName} (${PROVIDERS[v.latest.testType].label})`
              : html`No speed tests yet.`
          }</p>
        </div>
        <a class="btn btn-primary" data-change href="${ctx.base}/speedtest">Run a speed test</a>
      </div>
      <div class="grid grid-4" hx-get="${ctx.base}/" hx-trigger="speedtest-finished from:body" hx-select=".grid-4" hx-swap="outerHTML">
        ${statCard("Download", "downloadMbps", "Mbit/s", "--download", v)}
        ${statCard("Upload", "uploadMbps", "Mbit/s", "--upload", v)}
        ${statCard("Latency", "latencyMs", "ms", "--latency", v)}
        ${statCard("Jitter", "jitterMs", "ms", "--jitter", v)}
      </div>
      <section class="card" aria-labelledby="history-title" x-data="historyChart(${jsonAttr({ base: ctx.base, range: v.defaultRange })})">
        <div class="card-head">
          <h2 id="history-title">History</h2>
          <div class="chart-toolbar">
            ${rangeButtons()}
            <label class="sr-only" for="chart-server">Server</label>
            <select id="chart-server" x-model="serverId" @change="load()" class="select-small">
              <option value="">All servers</option>
              ${v.servers.map((s) => html`<option value="${s.serverId}">${s.serverName} (${PROVIDERS[s.testType].label})</option>`)}
            </select>
          </div>
        </div>
        <div class="chart-toolbar" role="group" aria-label="Metrics">
          ${metrics.map(([id, label]) => html`<label class="check metric-toggle metric-${id}"><input type="checkbox" :checked="metrics.${id}" @change="toggle('${id}')" /> ${label}</label>`)}
          <span class="muted small" x-show="loading" x-cloak>Loading…</span>
        </div>
        <div class="alert alert-error" role="alert" x-show="error" x-text="error" x-cloak></div>
        <div class="chart" x-ref="chart"></div>
      </section>
      <section class="card" aria-labelledby="results-title">
        <div class="card-head">
          <h2 id="results-title">Recent results</h2>
          <div class="row">
            <a class="btn btn-small" href="${ctx.base}/api/speedtest/history/export?format=csv" download>Export CSV</a>
            <a class="btn btn-small" href="${ctx.base}/api/speedtest/history/export?format=json" download>Export JSON</a>
          </div>
        </div>
        ${v.results}
      </section>`,
  });
}
