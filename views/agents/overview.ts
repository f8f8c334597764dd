/** The Overview tab: live rates, CPU, memory and the primary disk, traffic today/week/month, temperatures, history. */
import { html, jsonAttr } from "../../src/core/html";
import type { AgentSnapshot } from "../../src/hub/agents.service";
import type { DiskStats, VnstatInterface } from "../../src/protocol/agent";
import { rangeButtons } from "../components/charts";
import { timeTag } from "../components/format";
import type { PageContext } from "../layout";
import { bitRate, bytes, celsius, percent } from "./format";
import { temperatureGroups, temperatureLevel } from "./sensors";
import { usageOf } from "./usage";

function meter(value: number | null, level?: "ok" | "warn" | "bad") {
  if (value === null) return html``;
  const shown = Math.min(100, Math.max(0, value));
  const tone = level ?? (shown >= 90 ? "bad" : shown >= 75 ? "warn" : "ok");
  return html`<div class="meter meter-${tone}" role="presentation"><div style="width:${shown.toFixed(1)}%"></div></div>`;
}

/** The disk mounted at / or, failing that, the largest. */
export function primaryDisk(disks: readonly DiskStats[]): DiskStats | undefined {
  return disks.find((d) => d.path === "/") ?? [...disks].sort((a, b) => b.total - a.total)[0];
}

function stat(label: string, value: string, unit: string, sub: ReturnType<typeof html> | string, extra = html``) {
  return html`<section class="card stat agent-stat">
    <span class="stat-label">${label}</span>
    <span class="stat-value">${value}${unit ? html`<span class="stat-unit">${unit}</span>` : ""}</span>
    ${extra}
    <span class="small muted">${sub}</span>
  </section>`;
}

function rateStat(label: string, direction: "rx" | "tx", initial: number | null, sub: string) {
  return html`<section class="card stat agent-stat stat-${direction}">
    <span class="stat-label">${label}</span>
    <span class="stat-value" x-text="rate('${direction}')">${bitRate(initial)}</span>
    <span class="small muted">${sub}</span>
  </section>`;
}

function usageCard(tz: string, s: AgentSnapshot) {
  const row = s.vnstat.find((v) => v.interfaceName === s.agent.interface) ?? s.vnstat[0];
  if (!row)
    return html`<section class="card"><h2>Traffic</h2><p class="empty">No vnstat data yet: it is read from the agent once an hour.</p></section>`;
  const serverTime = new Date(row.serverTime);
  const usage = usageOf(
    row.data as unknown as VnstatInterface,
    Number.isNaN(serverTime.getTime()) ? row.createdAt : serverTime,
    row.timezoneOffset,
  );
  const cells = (u: { rx: number; tx: number } | null) =>
    u
      ? html`<td class="num">${bytes(u.rx)}</td><td class="num">${bytes(u.tx)}</td><td class="num"><strong>${bytes(u.rx + u.tx)}</strong></td>`
      : html`<td class="num muted" colspan="3">no data</td>`;
  return html`<section class="card" aria-labelledby="usage-title">
    <div class="card-head"><h2 id="usage-title">Traffic</h2><span class="muted small">vnstat on <span class="mono">${row.interfaceName}</span> · read ${timeTag(tz, row.createdAt, "relative")}</span></div>
    <div class="table-wrap"><table class="usage-table">
      <thead><tr><th scope="col">Period</th><th scope="col" class="num">Download</th><th scope="col" class="num">Upload</th><th scope="col" class="num">Total</th></tr></thead>
      <tbody>
        <tr><th scope="row">Today</th>${cells(usage.today)}</tr>
        <tr><th scope="row">Last 7 days</th>${cells(usage.week)}</tr>
        <tr><th scope="row">This month</th>${cells(usage.month)}</tr>
      </tbody>
    </table></div>
  </section>`;
}

function temperatureCard(s: AgentSnapshot) {
  const readings = s.hardware?.temperature ?? [];
  if (readings.length === 0)
    return html`<section class="card"><h2>Temperatures</h2><p class="empty">The agent reports no temperature sensors.</p></section>`;
  return html`<section class="card" aria-labelledby="temps-title">
    <div class="card-head"><h2 id="temps-title">Temperatures</h2></div>
    <div class="sensor-groups">
      ${temperatureGroups(readings).map(
        (g) => html`<div class="sensor-group">
          <h3>${g.label}</h3>
          <ul class="sensor-list">
            ${g.readings.map(
              (r) => html`<li class="sensor sensor-${temperatureLevel(r)}">
                <span class="sensor-label" title="${r.sensor_key}">${r.label || r.sensor_key}</span>
                <span class="sensor-value">${celsius(r.temperature)}</span>
              </li>`,
            )}
          </ul>
        </div>`,
      )}
    </div>
  </section>`;
}

/** Shown until an agent has reported anything: what to check when it stays that way. */
function nothingYet(s: AgentSnapshot) {
  return html`<section class="card agent-empty">
    <h2>Nothing reported yet</h2>
    <p>The hub has not received figures from this agent. If this does not change within a minute, check that:</p>
    <ul>
      <li><code>netronome agent</code> runs on the server and listens on the address and port in the URL;</li>
      <li>a firewall lets this hub reach that port;</li>
      <li>the API key here matches the agent's <code>--api-key</code> (a wrong key shows as Unauthorized).</li>
    </ul>
    ${s.agent.live.reason ? html`<p class="muted">Last attempt: ${s.agent.live.reason}</p>` : ""}
  </section>`;
}

export function overviewPanel(ctx: PageContext, s: AgentSnapshot) {
  if (!s.info && s.vnstat.length === 0) return nothingYet(s);
  const hw = s.hardware;
  const disk = hw ? primaryDisk(hw.disks) : undefined;
  const noHardware = !hw;
  return html`<div class="grid grid-stats agent-stats">
      ${rateStat("Download", "rx", s.agent.live.sample?.sample.rx.bytespersecond ?? null, "received now")}
      ${rateStat("Upload", "tx", s.agent.live.sample?.sample.tx.bytespersecond ?? null, "sent now")}
      ${
        noHardware
          ? ""
          : html`${stat(
              "CPU",
              hw.cpu.usage_percent.toFixed(1),
              "%",
              `${hw.cpu.cores} cores · load ${hw.cpu.load_avg.map((l) => l.toFixed(2)).join(" ")}`,
              meter(hw.cpu.usage_percent),
            )}
            ${stat(
              "Memory",
              hw.memory.used_percent.toFixed(1),
              "%",
              `${bytes(hw.memory.used)} of ${bytes(hw.memory.total)}${hw.memory.swap_total > 0 ? ` · swap ${percent(hw.memory.swap_percent, 0)}` : ""}`,
              meter(hw.memory.used_percent),
            )}
            ${
              disk
                ? stat(
                    `Disk ${disk.path}`,
                    disk.used_percent.toFixed(1),
                    "%",
                    `${bytes(disk.used)} of ${bytes(disk.total)} · ${bytes(disk.free)} free`,
                    meter(disk.used_percent),
                  )
                : ""
            }`
      }
    </div>
    ${noHardware ? html`<p class="muted small">No resource figures: the agent reports bandwidth only (system metrics are disabled on it).</p>` : ""}
    <div class="grid grid-2">${usageCard(ctx.timezone, s)} ${temperatureCard(s)}</div>`;
}

/** History charts of CPU and memory, disks and temperatures (public/agents.js draws them from /history). */
export function overviewCharts(ctx: PageContext, s: AgentSnapshot) {
  const config = {
    base: ctx.base,
    id: s.agent.id,
    range: "1d",
    metrics: "cpu,memory,swap,disk,temperature",
    charts: [
      { ref: "usage", metrics: ["cpu", "memory", "swap"], unit: "%", max: 100 },
      { ref: "disks", metrics: ["disk"], unit: "%", max: 100 },
      { ref: "temps", metrics: ["temperature"], unit: "°C" },
    ],
    sensorLabels: Object.fromEntries(
      (s.hardware?.temperature ?? []).map((t) => [t.sensor_key, t.label || t.sensor_key]),
    ),
  };
  return html`<section class="card agent-history" aria-labelledby="history-title" x-data="agentHistory(${jsonAttr(config)})">
    <div class="card-head"><h2 id="history-title">History</h2>${rangeButtons()}</div>
    <div class="alert alert-error" role="alert" x-show="error" x-text="error" x-cloak></div>
    <p class="muted small chart-note" x-text="note"></p>
    <h3 class="chart-title">CPU, memory and swap <span class="muted small">(%)</span></h3>
    <div class="chart chart-small" x-ref="usage" role="img" aria-label="CPU, memory and swap use over time"></div>
    <h3 class="chart-title">Disk space used <span class="muted small">(% per mount)</span></h3>
    <div class="chart chart-small" x-ref="disks" role="img" aria-label="Disk space used over time"></div>
    <h3 class="chart-title">Temperatures <span class="muted small">(°C)</span></h3>
    <div class="chart chart-small" x-ref="temps" role="img" aria-label="Temperatures over time"></div>
  </section>`;
}
