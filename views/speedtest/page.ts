/** The Speed Test page: choose a provider and server, run with live progress, manage schedules. */
import { formatTarget } from "../../src/core/host";
import { html, jsonAttr, type SafeHtml } from "../../src/core/html";
import type { ProviderDefinition } from "../../src/measure/providers/provider";
import { PROVIDERS } from "../../src/measure/providers/registry";
import type { LiveProgress, RunInfo } from "../../src/speedtest/speedtest.events";
import type { IperfServerRow } from "../../src/speedtest/speedtest.repository";
import { TEST_TYPES, type TestType } from "../../src/speedtest/speedtest.schema";
import { liveFigures } from "../components/charts";
import { icons } from "../icons";
import { layout, type PageContext } from "../layout";

export interface SpeedtestPageView {
  current?: { run: RunInfo; progress?: LiveProgress };
  iperfServers: IperfServerRow[];
  /** The card that manages the saved iperf3 servers. */
  iperfServersCard: SafeHtml;
  schedules: SafeHtml;
  results: SafeHtml;
}

function providerTabs() {
  return html`<div class="tabs" role="radiogroup" aria-label="Provider">
    ${TEST_TYPES.map(
      (id) =>
        html`<label class="tab"><input type="radio" name="provider" value="${id}" x-model="provider" /><span>${PROVIDERS[id].label}</span></label>`,
    )}
  </div>`;
}

/** The fieldset of one provider: shown, and submitted, only while its tab is chosen. */
function providerPanel(ctx: PageContext, v: SpeedtestPageView, id: TestType, first: boolean) {
  const def = PROVIDERS[id];
  return html`<fieldset class="panel" x-show="provider === '${id}'" :disabled="provider !== '${id}'" ${first ? "" : html`x-cloak`}>
    <legend class="sr-only">${def.target === "host" ? (def.host?.label ?? "Server") : "Server"}</legend>
    ${def.target === "servers" ? serverPicker(ctx, id, def) : hostFields(ctx, v, id, def)}
  </fieldset>`;
}

function serverPicker(ctx: PageContext, id: TestType, def: ProviderDefinition) {
  return html`<div class="server-list" hx-get="${ctx.base}/speedtest/servers?testType=${id}" hx-trigger="intersect once" hx-swap="innerHTML">
      <p class="muted small" aria-live="polite">Loading servers…</p>
    </div>
    ${
      def.manualServerId
        ? html`<div class="field">
          <label for="f-serverIdManual">Or a server ID</label>
          <input id="f-serverIdManual" name="serverIdManual" inputmode="numeric" placeholder="${def.manualServerId.example}" autocomplete="off" />
          <span class="hint">${def.manualServerId.hint}</span>
        </div>`
        : ""
    }`;
}

/** The saved-server choice of the run form; refreshed when the saved servers change (iperf-servers-changed). */
export function savedServerSelect(servers: readonly IperfServerRow[]) {
  if (servers.length === 0)
    return html`<p class="hint">No saved servers yet: save the ones you use below, under Saved iperf3 servers.</p>`;
  return html`<div class="field">
    <label for="f-saved">Saved servers</label>
    <select id="f-saved" @change="host = $event.target.value">
      <option value="">Choose a saved server…</option>
      ${servers.map((s) => {
        const target = formatTarget({ host: s.host, port: s.port });
        return html`<option value="${target}">${s.name} (${target})</option>`;
      })}
    </select>
  </div>`;
}

function hostFields(ctx: PageContext, v: SpeedtestPageView, id: TestType, def: ProviderDefinition) {
  const label = def.host?.label ?? "Server";
  return html`${
    def.savedServers
      ? html`<div id="saved-servers" hx-get="${ctx.base}/speedtest/iperf-servers/select" hx-trigger="iperf-servers-changed from:body" hx-swap="innerHTML">
          ${savedServerSelect(v.iperfServers)}
        </div>`
      : ""
  }
    <div class="field">
      <label for="f-serverHost-${id}">${label}</label>
      <input id="f-serverHost-${id}" name="serverHost" x-model="host" placeholder="host, host:port or [IPv6]:port" autocomplete="off" spellcheck="false" />
      ${def.host ? html`<span class="hint">${def.host.hint}</span>` : ""}
    </div>
    ${def.udp ? html`<label class="check"><input type="checkbox" name="useUdp" value="on" /> UDP mode: sends at a fixed rate and reports packet loss and jitter (the rates shown are what arrived, not the link's capacity)</label>` : ""}`;
}

function livePanel() {
  return html`<section class="card live" aria-labelledby="live-title">
    <div class="card-head"><h2 id="live-title">Live</h2><span class="badge" :class="badgeClass" x-text="statusLabel">Idle</span></div>
    <div class="gauge" role="img" :aria-label="gaugeLabel">
      <svg viewBox="0 0 200 116" aria-hidden="true">
        <path class="gauge-track" d="M 20 100 A 80 80 0 0 1 180 100" pathLength="100" />
        <path class="gauge-value" :class="phase" x-show="gaugeFraction > 0" d="M 20 100 A 80 80 0 0 1 180 100" pathLength="100" stroke-dasharray="0 200" :stroke-dasharray="gaugeDash" />
      </svg>
      <div class="gauge-readout">
        <span class="gauge-number" x-text="gaugeNumber">–</span>
        <span class="gauge-unit" x-text="gaugeUnit">Mbit/s</span>
        <span class="gauge-scale muted small" x-text="scaleLabel"></span>
      </div>
    </div>
    <p class="live-status" aria-live="polite" x-text="cancelling ? 'Cancelling…' : statusText"></p>
    <div class="progress" role="progressbar" aria-label="Test progress" aria-valuemin="0" aria-valuemax="100" :aria-valuenow="Math.round(percent)">
      <div class="progress-bar" :class="status" :style="'width:' + percent + '%'"></div>
    </div>
    <div class="live-chart" x-ref="chart"></div>
    ${liveFigures([
      { label: "Latency", text: "ms(figures.latency)", unit: "ms" },
      { label: "Jitter", text: "ms(figures.jitter)", unit: "ms" },
      { label: "Download", text: "rate(figures.download)", unitText: "rateUnit(figures.download)" },
      { label: "Upload", text: "rate(figures.upload)", unitText: "rateUnit(figures.upload)" },
      { label: "UDP loss", text: "pct(figures.loss)", show: "udp" },
    ])}
    <p class="small muted" x-show="udp" x-cloak>UDP mode sends at a fixed rate: download and upload are the rates that arrived at that rate, not the link's capacity.</p>
  </section>`;
}

export function speedtestPage(ctx: PageContext, v: SpeedtestPageView) {
  const initial = { base: ctx.base, provider: TEST_TYPES[0], current: v.current ?? null };
  return layout(ctx, {
    title: "Speed Test",
    live: true,
    scripts: ["apexcharts.js", "speedtest.js"],
    content: html`<div class="page-head"><div><h1>Speed Test</h1><p>${listOf(TEST_TYPES.map((id) => PROVIDERS[id].label))}, with live progress.</p></div></div>
      <div class="grid grid-2" x-data="speedTest(${jsonAttr(initial)})">
        <section class="card" aria-labelledby="run-title">
          <h2 id="run-title">Run a test</h2>
          <form class="form" hx-post="${ctx.base}/speedtest/run" hx-target="#run-message" hx-swap="innerHTML">
            ${providerTabs()}
            ${TEST_TYPES.map((id, i) => providerPanel(ctx, v, id, i === 0))}
            <div class="row">
              <label class="check"><input type="checkbox" name="enableDownload" value="on" checked /> Download</label>
              <label class="check"><input type="checkbox" name="enableUpload" value="on" checked /> Upload</label>
            </div>
            <div id="run-message" aria-live="polite"></div>
            <div class="row">
              <button class="btn btn-primary" type="submit" :disabled="!canStart">${icons.play} Start test</button>
              <button class="btn btn-danger" type="button" x-show="running" x-cloak :disabled="cancelling" @click="requestCancel()" hx-post="${ctx.base}/speedtest/cancel" hx-target="#run-message" hx-swap="innerHTML">${icons.stop} Cancel</button>
            </div>
            <p class="hint" x-show="listFailed[provider] && !running" x-cloak>Start needs the server list; it could not be loaded (see above).</p>
            <details class="help">
              <summary>How latency and jitter are measured</summary>
              ${TEST_TYPES.map((id, i) => html`<p class="small muted" x-show="provider === '${id}'" ${i === 0 ? "" : html`x-cloak`}>${PROVIDERS[id].latencyHelp}</p>`)}
            </details>
          </form>
        </section>
        ${livePanel()}
      </div>
      <section class="card" aria-labelledby="schedules-title">${v.schedules}</section>
      <section class="card" aria-labelledby="iperf-servers-title">${v.iperfServersCard}</section>
      <section class="card" aria-labelledby="results-title">
        <div class="card-head"><h2 id="results-title">Recent results</h2></div>
        ${v.results}
      </section>`,
  });
}

/** "A, B or C". */
function listOf(items: string[]): string {
  return items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
