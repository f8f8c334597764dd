/**
 * The dashboard: a running test, the latest figures with the change from the previous result, the monitors at a
 * glance, the history chart and recent results.
 */
import { change } from "../../public/units.js";
import { html, jsonAttr, type SafeHtml } from "../../src/core/html";
import { PROVIDERS } from "../../src/measure/providers/registry";
import type { SpeedTestRow } from "../../src/speedtest/speedtest.repository";
import type { TestType } from "../../src/speedtest/speedtest.schema";
import { rangeButtons } from "../components/charts";
import { ms, rateParts, timeTag } from "../components/format";
import { layout, type PageContext } from "../layout";

export type Figure = "download" | "upload" | "latency" | "jitter";

/** A figure's newest value on the latest test's server and the one before it there, newest first. */
export type FigureHistory = Record<Figure, { value: number; createdAt: Date }[]>;

export interface SummaryView {
  latest?: SpeedTestRow;
  figures: FigureHistory;
}

export interface DashboardView extends SummaryView {
  servers: { serverId: string; serverName: string; testType: TestType }[];
  defaultRange: string;
  monitors: SafeHtml;
  results: SafeHtml;
}

const FIGURES: readonly { id: Figure; label: string; color: string; kind: "rate" | "time" }[] = [
  { id: "download", label: "Download", color: "--download", kind: "rate" },
  { id: "upload", label: "Upload", color: "--upload", kind: "rate" },
  { id: "latency", label: "Latency", color: "--latency", kind: "time" },
  { id: "jitter", label: "Jitter", color: "--jitter", kind: "time" },
];

function statCard(ctx: PageContext, f: (typeof FIGURES)[number], v: SummaryView) {
  const [now, before] = v.figures[f.id];
  const shown = f.kind === "rate" ? rateParts(now?.value) : { value: ms(now?.value), unit: "ms" };
  const previousText = before
    ? `Previous: ${f.kind === "rate" ? `${rateParts(before.value).value} ${rateParts(before.value).unit}` : `${ms(before.value)} ms`}`
    : "";
  let delta: SafeHtml = html`<span class="delta muted">${now ? "no earlier result on this server" : "not measured on this server"}</span>`;
  const pct = change(now?.value, before?.value, f.kind);
  if (pct === 0) delta = html`<span class="delta muted" title="${previousText}">≈ same as previous</span>`;
  else if (pct !== null) {
    const good = f.kind === "rate" ? pct > 0 : pct < 0;
    delta = html`<span class="delta ${good ? "good" : "bad"}" title="${previousText}">${pct > 0 ? "▲" : "▼"} ${Math.abs(pct).toFixed(Math.abs(pct) < 10 ? 1 : 0)}% vs previous</span>`;
  }
  // A figure from an older test than the latest (a download-only test leaves the upload as it was) says so.
  const older = now && v.latest && now.createdAt.getTime() < v.latest.createdAt.getTime();
  return html`<section class="card stat" style="--stat-color: var(${f.color})" data-figure="${f.id}">
    <span class="stat-label">${f.label}</span>
    <span class="stat-value">${shown.value}<span class="stat-unit">${shown.unit}</span></span>
    ${delta}
    ${older ? html`<span class="stat-from muted small">from ${timeTag(ctx.timezone, now.createdAt, "relative")}</span>` : ""}
  </section>`;
}

/** The latest test and the four figures; replaced (htmx) when a test finishes or the stream had to reconnect. */
export function dashboardSummary(ctx: PageContext, v: SummaryView) {
  return html`<div id="summary" hx-get="${ctx.base}/dashboard/summary" hx-trigger="speedtest-finished from:body, stream-resync from:body" hx-swap="outerHTML">
    <p class="summary-line">${
      v.latest
        ? html`Last test ${timeTag(ctx.timezone, v.latest.createdAt, "relative")} · ${v.latest.serverName} (${PROVIDERS[v.latest.testType].label}${v.latest.udp ? ", UDP" : ""})`
        : html`No speed tests yet.`
    }</p>
    <div class="grid grid-4">${FIGURES.map((f) => statCard(ctx, f, v))}</div>
  </div>`;
}

/** Shown while a speed test runs anywhere (a schedule, another browser): what it does and how far it is. */
function runningBanner(ctx: PageContext) {
  return html`<div class="card running-banner" x-data="runningTest" x-show="run" x-cloak role="status" aria-live="polite">
    <div class="running-text">
      <span class="badge badge-info badge-live">Running</span>
      <span x-text="text"></span>
    </div>
    <div class="progress" role="progressbar" aria-label="Speed test progress" aria-valuemin="0" aria-valuemax="100" :aria-valuenow="Math.round(percent)">
      <div class="progress-bar" :style="'width:' + percent + '%'"></div>
    </div>
    <a class="btn btn-small" href="${ctx.base}/speedtest">Watch on Speed Test</a>
  </div>`;
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
          <p>Your latest speed tests and monitors. Times in ${ctx.timezone}.</p>
        </div>
        <a class="btn btn-primary" href="${ctx.base}/speedtest">Run a speed test</a>
      </div>
      ${runningBanner(ctx)}
      ${dashboardSummary(ctx, v)}
      ${v.monitors}
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
