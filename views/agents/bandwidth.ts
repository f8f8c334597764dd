/**
 * The Bandwidth tab: the live rates as they arrive (one sample a second), their history, the agent's peaks, and
 * vnstat's hourly, daily and monthly tables for each interface.
 */
import { html, jsonAttr } from "../../src/core/html";
import type { AgentSnapshot } from "../../src/hub/agents.service";
import type { VnstatEntry, VnstatInterface } from "../../src/protocol/agent";
import { rangeButtons } from "../components/charts";
import { timeTag } from "../components/format";
import type { PageContext } from "../layout";
import { bitRate, bytes } from "./format";

const PERIODS = [
  ["hour", "Hourly", 24],
  ["day", "Daily", 30],
  ["month", "Monthly", 12],
] as const;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "3 Dec 10:00", "3 Dec 2026", "Dec 2026": short enough for a phone, never ambiguous about day and month. */
function periodLabel(period: "hour" | "day" | "month", e: VnstatEntry): string {
  const month = MONTHS[(e.date.month ?? 1) - 1] ?? "?";
  if (period === "month") return `${month} ${e.date.year}`;
  if (period === "day") return `${e.date.day ?? "?"} ${month} ${e.date.year}`;
  return `${e.date.day ?? "?"} ${month} ${String(e.time?.hour ?? 0).padStart(2, "0")}:00`;
}

function periodTable(period: "hour" | "day" | "month", entries: readonly VnstatEntry[], limit: number) {
  const rows = entries.slice(-limit).reverse();
  if (rows.length === 0) return html`<p class="empty">No ${period === "hour" ? "hourly" : `${period}ly`} data yet.</p>`;
  const largest = Math.max(1, ...rows.map((e) => e.rx + e.tx));
  return html`<div class="table-wrap"><table class="vnstat-table">
    <thead><tr><th scope="col">${period === "hour" ? "Hour" : period === "day" ? "Day" : "Month"}</th><th scope="col" class="num">Download</th><th scope="col" class="num">Upload</th><th scope="col" class="num">Total</th><th scope="col" class="bar-col"><span class="sr-only">Share</span></th></tr></thead>
    <tbody>
      ${rows.map(
        (e) => html`<tr>
          <td>${periodLabel(period, e)}</td>
          <td class="num">${bytes(e.rx)}</td>
          <td class="num">${bytes(e.tx)}</td>
          <td class="num">${bytes(e.rx + e.tx)}</td>
          <td class="bar-col"><div class="traffic-bar" title="${bytes(e.rx)} down, ${bytes(e.tx)} up"><span class="bar-rx" style="width:${((e.rx / largest) * 100).toFixed(1)}%"></span><span class="bar-tx" style="width:${((e.tx / largest) * 100).toFixed(1)}%"></span></div></td>
        </tr>`,
      )}
    </tbody>
  </table></div>`;
}

function vnstatCard(tz: string, s: AgentSnapshot) {
  if (s.vnstat.length === 0)
    return html`<section class="card"><h2>vnstat</h2><p class="empty">No vnstat export yet: the hub reads it from the agent once an hour, and when this page opens.</p></section>`;
  return html`<section class="card" aria-labelledby="vnstat-title">
    <div class="card-head">
      <h2 id="vnstat-title">vnstat</h2>
      <div class="row">
        <label class="sr-only" for="vnstat-iface">Interface</label>
        <select id="vnstat-iface" class="select-small" x-model="iface">
          ${s.vnstat.map((v) => html`<option value="${v.interfaceName}">${v.interfaceName}${(v.data as { alias?: string }).alias ? ` (${(v.data as { alias?: string }).alias})` : ""}</option>`)}
        </select>
        <div class="segmented" role="group" aria-label="Period">
          ${PERIODS.map(([id, label]) => html`<button type="button" :aria-pressed="period === '${id}'" @click="period = '${id}'">${label}</button>`)}
        </div>
      </div>
    </div>
    ${s.vnstat.map((v) => {
      const data = v.data as unknown as VnstatInterface;
      return html`<div class="vnstat-iface" x-show="iface === ${jsonAttr(v.interfaceName)}" ${v === s.vnstat[0] ? "" : html`x-cloak`}>
        <p class="muted small vnstat-note">Total since vnstat began counting: ${bytes(data.traffic.total.rx)} down, ${bytes(data.traffic.total.tx)} up · exported ${timeTag(tz, v.createdAt, "relative")} · times are the agent's</p>
        ${PERIODS.map(
          ([id, , limit]) =>
            html`<div x-show="period === '${id}'" ${id === "hour" ? "" : html`x-cloak`}>${periodTable(id, data.traffic[id] ?? [], limit)}</div>`,
        )}
      </div>`;
    })}
  </section>`;
}

function peaksCard(tz: string, s: AgentSnapshot) {
  const p = s.peaks;
  return html`<section class="card" aria-labelledby="peaks-title">
    <div class="card-head"><h2 id="peaks-title">Peaks</h2>${p ? html`<span class="muted small">highest rates the agent has seen · read ${timeTag(tz, p.updatedAt, "relative")}</span>` : ""}</div>
    ${
      p
        ? html`<dl class="facts">
          <dt>Download</dt><dd><strong>${bitRate(p.peakRx)}</strong> ${p.peakRxAt ? html`<span class="muted small">${timeTag(tz, p.peakRxAt)}</span>` : ""}</dd>
          <dt>Upload</dt><dd><strong>${bitRate(p.peakTx)}</strong> ${p.peakTxAt ? html`<span class="muted small">${timeTag(tz, p.peakTxAt)}</span>` : ""}</dd>
        </dl>`
        : html`<p class="empty">No peaks reported yet.</p>`
    }
  </section>`;
}

/** Refreshed with new figures. */
export function bandwidthPanel(ctx: PageContext, s: AgentSnapshot) {
  return html`<div class="grid grid-2 bandwidth-grid">${peaksCard(ctx.timezone, s)}</div>${vnstatCard(ctx.timezone, s)}`;
}

/** The live chart, fed by the page's event stream (not refreshed with the panel). */
export function bandwidthLive(_ctx: PageContext, s: AgentSnapshot) {
  const recent = s.agent.live.recent.map((r) => [r.at, r.rx, r.tx]);
  return html`<section class="card" aria-labelledby="live-title" x-data="liveRates(${jsonAttr({ id: s.agent.id, recent })})">
    <div class="card-head"><h2 id="live-title">Live</h2><span class="muted small" x-text="note">One point per second while this page is open</span></div>
    <div class="chart chart-small" x-ref="chart" role="img" aria-label="Download and upload rates over the last two minutes"></div>
  </section>`;
}

export function bandwidthCharts(ctx: PageContext, s: AgentSnapshot) {
  const config = {
    base: ctx.base,
    id: s.agent.id,
    range: "1d",
    metrics: "rx,tx",
    charts: [{ ref: "rates", metrics: ["rx", "tx"], unit: "bit/s" }],
    sensorLabels: {},
  };
  return html`<section class="card agent-history" aria-labelledby="rates-title" x-data="agentHistory(${jsonAttr(config)})">
    <div class="card-head"><h2 id="rates-title">Transfer rates</h2>${rangeButtons()}</div>
    <div class="alert alert-error" role="alert" x-show="error" x-text="error" x-cloak></div>
    <p class="muted small chart-note" x-text="note"></p>
    <div class="chart chart-small" x-ref="rates" role="img" aria-label="Average download and upload rates over time"></div>
  </section>`;
}
