/**
 * The packet-loss monitors panel of the Traceroute page: the monitor list with
 * live state, the create/edit form, and a monitor's detail (charts, results,
 * hop data loaded on demand).
 */
import { html, jsonAttr, type SafeHtml } from "../../src/core/html";
import type { MonitorHop } from "../../src/diagnostics/monitors/hops";
import type { ResultSummary } from "../../src/diagnostics/monitors/monitors.repository";
import type { MonitorView } from "../../src/diagnostics/monitors/monitors.service";
import { PROBES, type ProbeMethod } from "../../src/measure/probes/registry";
import { liveFigures, rangeButtons } from "../components/charts";
import { alert } from "../components/form";
import { fixed, percent, rtt, timeTag } from "../components/format";
import { pager } from "../components/pager";
import { icons } from "../icons";
import { layout, type PageContext } from "../layout";
import { monitorLabels, STATE_LABEL, STATUS_LABEL } from "./monitor-labels";

const INTERVAL_PRESETS: readonly [string, string][] = [
  ["10s", "Every 10 seconds"],
  ["30s", "Every 30 seconds"],
  ["1m", "Every minute"],
  ["5m", "Every 5 minutes"],
  ["15m", "Every 15 minutes"],
  ["30m", "Every 30 minutes"],
  ["1h", "Every hour"],
  ["6h", "Every 6 hours"],
  ["12h", "Every 12 hours"],
  ["24h", "Every 24 hours"],
];

/** The state badge: server-rendered, then kept current by the panel's Alpine component when a run finishes. */
function stateBadge(m: Pick<MonitorView, "id" | "lastState" | "threshold">) {
  return html`<span class="badge" title="Loss threshold ${m.threshold}%" :class="stateClass(${m.id}, '${m.lastState}')" x-text="stateLabel(${m.id}, '${m.lastState}')">${STATE_LABEL[m.lastState]}</span>`;
}

const busy = (m: Pick<MonitorView, "status">) => m.status === "testing" || m.status === "queued";

/** The status badge: server-rendered, then kept live by the panel's Alpine component. */
function statusBadge(m: MonitorView) {
  return html`<span class="badge" :class="statusClass(${m.id}, '${m.status}')" x-text="statusLabel(${m.id}, '${m.status}')">${STATUS_LABEL[m.status]}</span>`;
}

export function monitorList(ctx: PageContext, monitors: readonly MonitorView[], selected?: number) {
  return html`<div id="monitor-list" hx-get="${ctx.base}/monitors/list${selected ? `?selected=${selected}` : ""}" hx-trigger="packetloss-finished from:body, packetloss-cancelled from:body, stream-resync from:body" hx-swap="outerHTML">
    ${
      monitors.length === 0
        ? html`<p class="empty">No monitors yet. Add one to watch packet loss and latency to a host.</p>`
        : html`<ul class="monitor-list">
          ${monitors.map(
            (m) => html`<li class="monitor-item${m.id === selected ? " selected" : ""}" data-monitor-id="${m.id}">
              <div class="monitor-head">
                <a class="monitor-name" href="${ctx.base}/monitors/${m.id}" hx-get="${ctx.base}/monitors/${m.id}/detail" hx-target="#monitor-detail" hx-swap="innerHTML show:top" @click="select(${m.id})"${m.id === selected ? html` aria-current="true"` : ""}>${m.name}</a>
                <span class="mono small muted truncate" title="${m.host}">${m.host}</span>
              </div>
              <div class="monitor-badges">
                ${statusBadge(m)} ${stateBadge(m)}
                <span class="badge badge-schedule" title="${m.interval}">${m.description}</span>
              </div>
              <div class="monitor-live" x-show="live[${m.id}]?.isRunning" x-cloak>
                <div class="progress" role="progressbar" aria-label="Test progress of ${m.name}" aria-valuemin="0" aria-valuemax="100" :aria-valuenow="Math.round(live[${m.id}]?.progress ?? 0)">
                  <div class="progress-bar" :style="'width:' + (live[${m.id}]?.progress ?? 0) + '%'"></div>
                </div>
                <span class="small muted" aria-live="polite" x-text="progressText(${m.id})"></span>
              </div>
              <div class="monitor-meta small muted">
                ${
                  // While a run is under way it says so, instead of when the last started and the next is due.
                  m.enabled
                    ? html`<span x-show="!live[${m.id}]" ${busy(m) ? html`x-cloak` : ""}>${m.lastRun ? html`Last run ${timeTag(ctx.timezone, m.lastRun, "relative")} · ` : ""}Next run ${timeTag(ctx.timezone, m.nextRun, "relative")}</span>
                      <span x-show="live[${m.id}]" ${busy(m) ? "" : html`x-cloak`} x-text="live[${m.id}]?.isQueued ? 'Waiting for a free slot' : 'Run in progress'">Run in progress</span>`
                    : html`<span>${m.lastRun ? html`Last run ${timeTag(ctx.timezone, m.lastRun, "relative")}` : "Not run yet"}</span>`
                }
                <span>${m.packetCount} probes · threshold ${fixed(m.threshold, 1)}%</span>
              </div>
              <div class="monitor-actions">
                ${
                  m.enabled
                    ? html`<button class="btn btn-small" type="button" hx-post="${ctx.base}/monitors/${m.id}/stop" hx-target="#monitors-panel" hx-swap="outerHTML">${icons.stop} Stop</button>`
                    : html`<button class="btn btn-small" type="button" hx-post="${ctx.base}/monitors/${m.id}/start" hx-target="#monitors-panel" hx-swap="outerHTML">${icons.play} Start</button>`
                }
                <button class="btn btn-small" type="button" hx-get="${ctx.base}/monitors/${m.id}/edit" hx-target="#monitor-form" hx-swap="outerHTML show:top" aria-label="Edit ${m.name}">${icons.edit} Edit</button>
                <button class="btn btn-small btn-danger" type="button" hx-delete="${ctx.base}/monitors/${m.id}" hx-confirm="Delete the monitor ${m.name} and its history?" hx-target="#monitors-panel" hx-swap="outerHTML" aria-label="Delete ${m.name}">${icons.trash}</button>
              </div>
            </li>`,
          )}
        </ul>`
    }
  </div>`;
}

export interface MonitorFormValues {
  host: string;
  name: string;
  /** A duration (preset or not) or `exact:HH:MM,…`. */
  interval: string;
  packetCount: number | string;
  threshold: number | string;
  startImmediately: boolean;
}

export interface MonitorFormView {
  /** Set when editing. */
  id?: number;
  values: MonitorFormValues;
  error?: { field?: string; message: string };
}

export function monitorForm(ctx: PageContext, f: MonitorFormView) {
  const exact = f.values.interval.startsWith("exact:");
  const times = exact ? f.values.interval.slice("exact:".length).split(",").filter(Boolean) : ["06:00"];
  const presets =
    INTERVAL_PRESETS.some(([v]) => v === f.values.interval) || exact
      ? INTERVAL_PRESETS
      : [...INTERVAL_PRESETS, [f.values.interval, f.values.interval] as [string, string]];
  const problem = (field: string) =>
    f.error?.field === field
      ? html`<span class="field-error" id="m-${field}-error">${f.error.message.replace(`${field}: `, "")}</span>`
      : "";
  const invalid = (field: string) =>
    f.error?.field === field ? html`aria-invalid="true" aria-describedby="m-${field}-error"` : "";
  const state = { mode: exact ? "exact" : "preset", times };
  const action = f.id ? `${ctx.base}/monitors/${f.id}` : `${ctx.base}/monitors`;
  return html`<form id="monitor-form" class="form monitor-form" hx-post="${action}" hx-target="#monitors-panel" hx-swap="outerHTML" x-data="monitorForm(${jsonAttr(state)})">
    <div class="card-head"><h2 id="monitor-form-title">${f.id ? "Edit monitor" : "New monitor"}</h2>
      ${f.id ? html`<button class="btn btn-small" type="button" hx-get="${ctx.base}/monitors/new" hx-target="#monitor-form" hx-swap="outerHTML">Cancel</button>` : ""}
    </div>
    ${f.error && !f.error.field ? alert("error", f.error.message) : ""}
    <div class="field">
      <label for="m-host">Host</label>
      <input id="m-host" name="host" value="${f.values.host}" placeholder="example.com, 192.0.2.1 or 2001:db8::1" required autocomplete="off" spellcheck="false" ${invalid("host")} />
      ${problem("host")}
    </div>
    <div class="field">
      <label for="m-name">Name <span class="muted small">(optional)</span></label>
      <input id="m-name" name="name" value="${f.values.name}" placeholder="the host" autocomplete="off" ${invalid("name")} />
      ${problem("name")}
    </div>
    <fieldset class="field interval-field">
      <legend class="label">Schedule</legend>
      <div class="segmented" role="radiogroup" aria-label="Schedule type">
        <label class="seg-option"><input type="radio" name="intervalMode" value="preset" x-model="mode" /> <span class="seg-label">Repeating</span></label>
        <label class="seg-option"><input type="radio" name="intervalMode" value="exact" x-model="mode" /> <span class="seg-label">Daily times</span></label>
      </div>
      <div x-show="mode === 'preset'" ${exact ? html`x-cloak` : ""}>
        <label class="sr-only" for="m-interval">Interval</label>
        <select id="m-interval" name="interval" :disabled="mode !== 'preset'" ${invalid("interval")}>
          ${presets.map(([value, label]) => html`<option value="${value}" ${value === f.values.interval || (exact && value === "1h") ? html`selected` : ""}>${label}</option>`)}
        </select>
      </div>
      <div x-show="mode === 'exact'" ${exact ? "" : html`x-cloak`} class="exact-times">
        <template x-for="(time, i) in times" :key="i">
          <div class="exact-time">
            <label class="sr-only" :for="'m-time-' + i" x-text="'Time ' + (i + 1)"></label>
            <input type="time" :id="'m-time-' + i" x-model="times[i]" :disabled="mode !== 'exact'" />
            <button type="button" class="btn btn-small btn-icon" @click="times.splice(i, 1)" x-show="times.length > 1" :aria-label="'Remove time ' + (i + 1)">${icons.trash}</button>
          </div>
        </template>
        <button type="button" class="btn btn-small" @click="times.push('12:00')" x-show="times.length < 24">Add a time</button>
        <input type="hidden" name="exactTimes" :value="times.join(',')" :disabled="mode !== 'exact'" />
      </div>
      <span class="hint">From every 10 seconds to every 24 hours, or at exact times each day.</span>
      ${problem("interval")}
    </fieldset>
    <div class="row">
      <div class="field">
        <label for="m-count">Packets per run</label>
        <input id="m-count" name="packetCount" type="number" min="1" max="1000" value="${f.values.packetCount}" required ${invalid("packetCount")} />
        ${problem("packetCount")}
      </div>
      <div class="field">
        <label for="m-threshold">Loss threshold (%)</label>
        <input id="m-threshold" name="threshold" type="number" min="0" max="100" step="0.1" value="${f.values.threshold}" required ${invalid("threshold")} />
        ${problem("threshold")}
      </div>
    </div>
    <div id="m-hop-note" aria-live="polite" hx-get="${ctx.base}/monitors/hop-note" hx-include="closest form" hx-trigger="load, change from:#monitor-form, input from:#m-count delay:400ms"></div>
    <label class="check"><input type="checkbox" name="startImmediately" value="on" ${f.values.startImmediately ? html`checked` : ""} /> ${f.id ? "Start monitoring and run a test now" : "Start monitoring immediately"}</label>
    <div class="row">
      <button class="btn btn-primary" type="submit">${f.id ? "Save changes" : "Add monitor"}</button>
    </div>
  </form>`;
}

export interface PanelView {
  monitors: MonitorView[];
  form: MonitorFormView;
  selected?: number;
  /** The selected monitor's detail, rendered with the page (a /monitors/:id link opened directly). */
  detail?: SafeHtml;
  notice?: string;
  error?: string;
}

export function monitorsPanel(ctx: PageContext, v: PanelView) {
  const initial = { base: ctx.base, selected: v.selected ?? null, labels: monitorLabels, scrollToDetail: !!v.detail };
  return html`<div id="monitors-panel" class="monitors" x-data="monitorsPanel(${jsonAttr(initial)})">
    ${alert("ok", v.notice)} ${alert("error", v.error)}
    <div class="monitors-grid">
      <section class="card" aria-labelledby="monitors-title">
        <div class="card-head"><h2 id="monitors-title">Monitors</h2><span class="muted small">Loss and latency on a schedule</span></div>
        ${monitorList(ctx, v.monitors, v.selected)}
      </section>
      <section class="card" aria-labelledby="monitor-form-title">${monitorForm(ctx, v.form)}</section>
    </div>
    <div id="monitor-detail" class="monitor-detail">${
      v.detail ??
      (v.selected
        ? html`<div hx-get="${ctx.base}/monitors/${v.selected}/detail" hx-trigger="load" hx-swap="outerHTML"></div>`
        : "")
    }</div>
    ${intermediateLossFaq}
  </div>`;
}

/** The Monitors page; `/monitors/:id` is the same page with that monitor's detail open and in view. */
export function monitorsPage(ctx: PageContext, v: PanelView) {
  return layout(ctx, {
    title: "Monitors",
    live: true,
    scripts: ["apexcharts.js", "monitors.js"],
    content: html`<div class="page-head"><div><h1>Monitors</h1><p>Packet loss and round-trip times to your hosts, on a schedule. Times in ${ctx.timezone}.</p></div></div>
      ${monitorsPanel(ctx, v)}`,
  });
}

export function monitorDetail(ctx: PageContext, d: { monitor: MonitorView; results: SafeHtml }) {
  const m = d.monitor;
  return html`<section class="card monitor-chart" aria-labelledby="detail-title" x-data="monitorChart(${jsonAttr({ base: ctx.base, id: m.id, range: "1d" })})">
      <div class="card-head">
        <div>
          <h2 id="detail-title">${m.name}</h2>
          <span class="mono small muted">${m.host}</span> ${stateBadge(m)}
          <span class="badge badge-schedule">${m.description}</span>
        </div>
        ${rangeButtons()}
      </div>
      ${liveFigures(
        [
          { label: "Packet loss", text: "pct(summary?.loss)" },
          { label: "Median RTT", text: "ms(summary?.p50)", unit: "ms" },
          { label: "95th pct. RTT", text: "ms(summary?.p95)", unit: "ms" },
          { label: "Runs", text: "summary ? summary.runs : '–'" },
        ],
        "range-summary",
      )}
      <div class="alert alert-error" role="alert" x-show="error" x-text="error" x-cloak></div>
      <p class="muted small chart-note" x-text="note"></p>
      <h3 class="chart-title">Packet loss</h3>
      <div class="chart chart-small" x-ref="loss" role="img" aria-label="Packet loss over time"></div>
      <h3 class="chart-title">Round-trip time <span class="muted small">(band: fastest to slowest; lines: median and 95th percentile)</span></h3>
      <div class="chart chart-small" x-ref="rtt" role="img" aria-label="Round-trip time over time"></div>
    </section>
    <section class="card" aria-labelledby="results-title">
      <div class="card-head"><h2 id="results-title">Results</h2><span class="muted small">Times in ${ctx.timezone} · hop data on demand for mtr runs</span></div>
      ${d.results}
    </section>`;
}

export interface ResultsPage {
  monitorId: number;
  /** What an empty list should say: runs are under way, due, or wait for the monitor to be started. */
  status: MonitorView["status"];
  nextRun: Date | null;
  rows: ResultSummary[];
  total: number;
  page: number;
  limit: number;
}

function emptyResults(ctx: PageContext, p: ResultsPage) {
  const due =
    p.status === "stopped"
      ? html`Start the monitor to run its first test.`
      : html`The first run is due ${timeTag(ctx.timezone, p.nextRun, "relative")}.`;
  return html`<p class="empty">
    <span x-show="!running" ${p.status === "testing" || p.status === "queued" ? html`x-cloak` : ""}>No results yet. ${due}</span>
    <span x-show="running" ${p.status === "testing" || p.status === "queued" ? "" : html`x-cloak`}>The first run is under way; its result appears here when it is done.</span>
  </p>`;
}

export function monitorResults(ctx: PageContext, p: ResultsPage) {
  const url = (page: number) => `${ctx.base}/monitors/${p.monitorId}/results?page=${page}`;
  const initial = { id: p.monitorId, page: p.page, running: p.status === "testing" || p.status === "queued" };
  return html`<div id="monitor-results" hx-get="${url(p.page)}" hx-trigger="refresh, stream-resync from:body" hx-swap="outerHTML" x-data="monitorResults(${jsonAttr(initial)})">
    ${
      p.rows.length === 0
        ? emptyResults(ctx, p)
        : html`<div class="table-wrap">
          <table class="results-table card-rows">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Method</th>
                <th scope="col" class="num">Loss</th>
                <th scope="col" class="num">Received</th>
                <th scope="col" class="num">Min</th>
                <th scope="col" class="num">Avg</th>
                <th scope="col" class="num">Max</th>
                <th scope="col" class="num">Std dev</th>
                <th scope="col"><span class="sr-only">Hops</span></th>
              </tr>
            </thead>
            ${p.rows.map(
              (r) => html`<tbody x-data="{ open: false }">
                <tr>
                  <td class="cell-time" data-label="Time">${timeTag(ctx.timezone, r.createdAt)}</td>
                  <td data-label="Method"><span class="badge ${PROBES[r.method].hops ? "badge-info" : ""}">${r.method}</span></td>
                  <td class="num ${r.packetLoss > 0 ? "loss" : ""}" data-label="Loss">${percent(r.packetLoss)}</td>
                  <td class="num" data-label="Received">${r.packetsRecv}/${r.packetsSent}</td>
                  <td class="num" data-label="Min (ms)">${rtt(r.minRtt)}</td>
                  <td class="num" data-label="Avg (ms)">${rtt(r.avgRtt)}</td>
                  <td class="num" data-label="Max (ms)">${rtt(r.maxRtt)}</td>
                  <td class="num" data-label="Std dev (ms)">${rtt(r.stdDevRtt)}</td>
                  <td class="cell-actions">${
                    r.error
                      ? html`<span class="badge badge-bad" title="${r.error}">failed</span>`
                      : PROBES[r.method].hops
                        ? html`<button type="button" class="btn btn-small" @click="open = !open" :aria-expanded="open" aria-controls="hops-${r.id}">Hops</button>`
                        : r.fallbackReason
                          ? html`<button type="button" class="btn btn-small" @click="open = !open" :aria-expanded="open" aria-controls="why-${r.id}">No hops?</button>`
                          : ""
                  }</td>
                </tr>
                ${
                  r.error
                    ? html`<tr class="result-error"><td colspan="9" class="small muted">${r.error}</td></tr>`
                    : PROBES[r.method].hops
                      ? html`<tr class="hops-row" x-show="open" x-cloak>
                        <td colspan="9" id="hops-${r.id}" hx-get="${ctx.base}/monitors/${p.monitorId}/results/${r.id}/hops" hx-trigger="intersect once" hx-swap="innerHTML"><span class="muted small">Loading hops…</span></td>
                      </tr>`
                      : r.fallbackReason
                        ? html`<tr class="result-note" x-show="open" x-cloak><td colspan="9" id="why-${r.id}" class="small muted"><p class="cell-note">${noHopsText(r.method, r.fallbackReason)}</p></td></tr>`
                        : ""
                }
              </tbody>`,
            )}
          </table>
        </div>
        ${pager({ total: p.total, page: p.page, limit: p.limit, url, target: "#monitor-results", note: "times in ms" })}`
    }
  </div>`;
}

/** The form's note when runs with its settings would have no hop data; empty when they will have it. */
export function hopDataNote(note: { method: ProbeMethod; reason: string } | null) {
  if (!note) return html``;
  return html`<p class="alert alert-info small" role="note"><strong>${note.method}: no hop data.</strong> Runs with these settings use ${note.method} because ${note.reason}. Fewer packets or a longer interval let mtr run; see “Privileged mode” in the README for running mtr faster.</p>`;
}

/** "ping: no hop data because mtr would need …". */
export function noHopsText(method: ProbeMethod, reason: string): string {
  return `${method}: no hop data because ${reason}.`;
}

/** The hop-by-hop view of one mtr result. */
export function hopTable(hops: readonly MonitorHop[]) {
  if (hops.length === 0) return html`<p class="small muted">No hop answered.</p>`;
  return html`<div class="table-wrap hops">
    <table>
      <thead><tr>
        <th scope="col" class="num">#</th><th scope="col">Host</th><th scope="col" class="num">Loss</th><th scope="col" class="num">Sent</th>
        <th scope="col" class="num">Last</th><th scope="col" class="num">Avg</th><th scope="col" class="num">Best</th><th scope="col" class="num">Worst</th>
        <th scope="col" class="num">Std dev</th><th scope="col">Network</th>
      </tr></thead>
      <tbody>
        ${hops.map(
          (h) => html`<tr>
            <td class="num">${h.number}</td>
            <td class="mono">${h.host ?? html`<span class="muted" title="This hop did not answer">???</span>`}${h.ip && h.host !== h.ip ? html` <span class="muted">(${h.ip})</span>` : ""}</td>
            <td class="num ${h.loss > 0 ? "loss" : ""}">${fixed(h.loss, 1)}%</td>
            <td class="num">${h.sent}</td>
            <td class="num">${rtt(h.last)}</td>
            <td class="num">${rtt(h.avg)}</td>
            <td class="num">${rtt(h.best)}</td>
            <td class="num">${rtt(h.worst)}</td>
            <td class="num">${rtt(h.stddev)}</td>
            <td>${h.flag ? html`<span title="${h.countryCode}">${h.flag}</span> ` : ""}${h.as ?? ""}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>
  <p class="small muted">Loss at a hop before the last is often just a router that answers probes slowly or not at all; only the last hop's loss is loss on the way to the destination.</p>`;
}

/** The seed's FAQ on MTR loss figures. */
const intermediateLossFaq = html`<details class="card faq">
  <summary><h2>Why can intermediate hops show loss when the destination shows 0%?</h2></summary>
  <p>A monitor reports two kinds of loss. <strong>Overall loss</strong> is measured at the destination itself: it is what your traffic experiences. <strong>Hop-by-hop loss</strong> (in a result's hop view) is how often each router on the way answered mtr's probes.</p>
  <p>Routers forward traffic in hardware but answer probes in software, and many limit or block those answers for security or to protect their CPU. So it is common and normal to see high, even 100%, loss at an intermediate hop while the destination shows 0%: the router is forwarding your packets, it just does not reply to probes addressed to it. Load balancing can also send probes and traffic along different paths.</p>
  <p>Loss matters when it starts at some hop <em>and continues through every hop after it to the destination</em>. The overall loss figure, which the charts and the loss threshold use, is the one that tells you how the connection is doing.</p>
</details>`;
