/** The Speed Test page: choose a provider and server, run with live progress, manage schedules. */
import { formatTarget } from "../../src/core/host";
import { html, jsonAttr, type SafeHtml } from "../../src/core/html";
import type { LiveProgress, RunInfo } from "../../src/speedtest/speedtest.events";
import type { IperfServerRow } from "../../src/speedtest/speedtest.repository";
import type { TestType } from "../../src/speedtest/speedtest.schema";
import { liveFigures } from "../components/charts";
import { icons } from "../icons";
import { layout, type PageContext } from "../layout";

export interface SpeedtestPageView {
  current?: { run: RunInfo; progress?: LiveProgress };
  /** How each provider measures latency and jitter, for the help text. */
  methods: Record<TestType, string>;
  iperfServers: IperfServerRow[];
  /** The card that manages the saved iperf3 servers. */
  iperfServersCard: SafeHtml;
  schedules: SafeHtml;
  results: SafeHtml;
}

function providerTabs() {
  const tab = (id: string, label: string) =>
    html`<label class="tab"><input type="radio" name="provider" value="${id}" x-model="provider" /><span>${label}</span></label>`;
  return html`<div class="tabs" role="radiogroup" aria-label="Provider">
    ${tab("speedtest", "Speedtest.net")} ${tab("librespeed", "LibreSpeed")} ${tab("iperf3", "iperf3")}
  </div>`;
}

function remoteServers(ctx: PageContext, testType: "speedtest" | "librespeed") {
  return html`<fieldset class="panel" x-show="provider === '${testType}'" :disabled="provider !== '${testType}'">
    <legend class="sr-only">Server</legend>
    <div class="server-list" hx-get="${ctx.base}/speedtest/servers?testType=${testType}" hx-trigger="intersect once" hx-swap="innerHTML">
      <p class="muted small" aria-live="polite">Loading servers…</p>
    </div>
    ${
      testType === "speedtest"
        ? html`<div class="field">
          <label for="f-serverIdManual">Or a server ID</label>
          <input id="f-serverIdManual" name="serverIdManual" inputmode="numeric" placeholder="e.g. 21541" autocomplete="off" />
          <span class="hint">Any speedtest.net server, even one not in the nearest list.</span>
        </div>`
        : ""
    }
  </fieldset>`;
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

function iperfPanel(ctx: PageContext, v: SpeedtestPageView) {
  return html`<fieldset class="panel" x-show="provider === 'iperf3'" :disabled="provider !== 'iperf3'" x-cloak>
    <legend class="sr-only">iperf3 server</legend>
    <div id="saved-servers" hx-get="${ctx.base}/speedtest/iperf-servers/select" hx-trigger="iperf-servers-changed from:body" hx-swap="innerHTML">
      ${savedServerSelect(v.iperfServers)}
    </div>
    <div class="field">
      <label for="f-serverHost">iperf3 server</label>
      <input id="f-serverHost" name="serverHost" x-model="host" placeholder="host, host:port or [IPv6]:port" autocomplete="off" spellcheck="false" />
      <span class="hint">An iperf3 server (<code>iperf3 -s</code>); port 5201 unless given.</span>
    </div>
    <label class="check"><input type="checkbox" name="useUdp" value="on" /> UDP mode: sends at a fixed rate and reports packet loss and jitter (the rates shown are what arrived, not the link's capacity)</label>
  </fieldset>`;
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
  const initial = { base: ctx.base, current: v.current ?? null };
  return layout(ctx, {
    title: "Speed Test",
    live: true,
    scripts: ["apexcharts.js", "speedtest.js"],
    content: html`<div class="page-head"><div><h1>Speed Test</h1><p>Speedtest.net, LibreSpeed or your own iperf3 server, with live progress.</p></div></div>
      <div class="grid grid-2" x-data="speedTest(${jsonAttr(initial)})">
        <section class="card" aria-labelledby="run-title">
          <h2 id="run-title">Run a test</h2>
          <form class="form" hx-post="${ctx.base}/speedtest/run" hx-target="#run-message" hx-swap="innerHTML">
            ${providerTabs()}
            ${remoteServers(ctx, "speedtest")} ${remoteServers(ctx, "librespeed")} ${iperfPanel(ctx, v)}
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
              <p class="small muted" x-show="provider === 'speedtest'">${v.methods.speedtest}</p>
              <p class="small muted" x-show="provider === 'librespeed'" x-cloak>${v.methods.librespeed}</p>
              <p class="small muted" x-show="provider === 'iperf3'" x-cloak>${v.methods.iperf3}</p>
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
