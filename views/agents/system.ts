/** The System tab: what the agent reports about its machine: CPU, memory, kernel, uptime, interfaces, disks, sensors. */
import { html } from "../../src/core/html";
import type { AgentSnapshot } from "../../src/hub/agents.service";
import { timeTag } from "../components/format";
import type { PageContext } from "../layout";
import { bytes, celsius, uptime } from "./format";
import { temperatureGroups, temperatureLevel } from "./sensors";

function factsCard(tz: string, s: AgentSnapshot) {
  const info = s.info;
  const hw = s.hardware;
  if (!info)
    return html`<section class="card"><h2>System</h2><p class="empty">The agent has not reported its system yet.</p></section>`;
  const row = (label: string, value: unknown) =>
    value === null || value === undefined || value === "" ? "" : html`<dt>${label}</dt><dd>${value as string}</dd>`;
  return html`<section class="card" aria-labelledby="facts-title">
    <div class="card-head"><h2 id="facts-title">System</h2>${info.systemAt ? html`<span class="muted small">reported ${timeTag(tz, info.systemAt, "relative")}</span>` : ""}</div>
    <dl class="facts">
      ${row("Hostname", info.hostname)}
      ${row("Kernel", info.kernel)}
      ${row("Uptime", info.systemAt ? uptime(info.uptimeSeconds) : null)}
      ${row("CPU", hw?.cpu.model || info.cpuModel)}
      ${row("Cores / threads", hw ? `${hw.cpu.cores} / ${hw.cpu.threads}` : info.cpuCores !== null ? `${info.cpuCores} / ${info.cpuThreads}` : null)}
      ${row("Frequency", hw && hw.cpu.frequency > 0 ? `${hw.cpu.frequency.toFixed(0)} MHz` : null)}
      ${row("Load average", hw ? hw.cpu.load_avg.map((l) => l.toFixed(2)).join(" · ") : null)}
      ${row("Memory", hw ? `${bytes(hw.memory.total)} (${bytes(hw.memory.available)} available)` : info.totalMemory ? bytes(info.totalMemory) : null)}
      ${row("Swap", hw && hw.memory.swap_total > 0 ? `${bytes(hw.memory.swap_used)} of ${bytes(hw.memory.swap_total)}` : hw ? "none" : null)}
      ${row("Agent", info.agentVersion)}
      ${row("vnstat", info.vnstatVersion || null)}
      ${row("Bandwidth from", info.bandwidthSource === "procfs" ? "/proc/net/dev (vnstat not installed)" : info.bandwidthSource === "vnstat" ? "vnstat --live" : null)}
    </dl>
  </section>`;
}

function interfacesCard(s: AgentSnapshot) {
  if (s.interfaces.length === 0) return "";
  return html`<section class="card" aria-labelledby="ifaces-title">
    <div class="card-head"><h2 id="ifaces-title">Network interfaces</h2></div>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">Interface</th><th scope="col">State</th><th scope="col">Addresses</th><th scope="col" class="num">Link speed</th><th scope="col" class="num">Traffic</th></tr></thead>
      <tbody>
        ${s.interfaces.map(
          (i) => html`<tr>
            <td><span class="mono">${i.name}</span>${i.alias ? html` <span class="muted small">${i.alias}</span>` : ""}</td>
            <td><span class="badge ${i.isUp ? "badge-ok" : ""}">${i.isUp ? "up" : "down"}</span></td>
            <td class="mono small addresses">${(i.addresses.length ? i.addresses : [i.ipAddress]).filter(Boolean).map((a) => html`<span class="address">${a}</span>`)}${i.addresses.length === 0 && !i.ipAddress ? html`<span class="muted">none</span>` : ""}</td>
            <td class="num">${i.linkSpeed > 0 ? (i.linkSpeed >= 1000 ? `${i.linkSpeed / 1000} Gbit/s` : `${i.linkSpeed} Mbit/s`) : html`<span class="muted">virtual</span>`}</td>
            <td class="num">${bytes(i.bytesTotal)}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>
  </section>`;
}

function disksCard(s: AgentSnapshot) {
  const disks = s.hardware?.disks ?? [];
  if (disks.length === 0) return "";
  return html`<section class="card" aria-labelledby="disks-title">
    <div class="card-head"><h2 id="disks-title">Disks</h2></div>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">Mount</th><th scope="col">Device</th><th scope="col">Model</th><th scope="col" class="num">Used</th><th scope="col" class="disk-bar-col">Capacity</th></tr></thead>
      <tbody>
        ${disks.map(
          (d) => html`<tr>
            <td class="mono">${d.path}</td>
            <td class="small"><span class="mono">${d.device}</span> <span class="muted">${d.fstype}</span></td>
            <td class="small">${d.model || html`<span class="muted">–</span>`}${d.serial ? html`<br /><span class="muted mono">${d.serial}</span>` : ""}</td>
            <td class="num">${d.used_percent.toFixed(1)} %</td>
            <td class="disk-bar-col"><div class="meter meter-${d.used_percent >= 90 ? "bad" : d.used_percent >= 75 ? "warn" : "ok"}"><div style="width:${Math.min(100, d.used_percent).toFixed(1)}%"></div></div><span class="small muted">${bytes(d.used)} of ${bytes(d.total)}</span></td>
          </tr>`,
        )}
      </tbody>
    </table></div>
  </section>`;
}

function sensorsCard(s: AgentSnapshot) {
  const readings = s.hardware?.temperature ?? [];
  if (readings.length === 0) return "";
  return html`<section class="card" aria-labelledby="sensors-title">
    <div class="card-head"><h2 id="sensors-title">Sensors</h2></div>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">Group</th><th scope="col">Sensor</th><th scope="col" class="num">Temperature</th><th scope="col" class="num">Critical</th></tr></thead>
      <tbody>
        ${temperatureGroups(readings).flatMap((g) =>
          g.readings.map(
            (r) => html`<tr>
              <td>${g.label}</td>
              <td>${r.label || r.sensor_key} <span class="muted small mono">${r.label ? r.sensor_key : ""}</span></td>
              <td class="num sensor-${temperatureLevel(r)}">${celsius(r.temperature)}</td>
              <td class="num">${r.critical > 0 ? celsius(r.critical) : html`<span class="muted">–</span>`}</td>
            </tr>`,
          ),
        )}
      </tbody>
    </table></div>
  </section>`;
}

export function systemPanel(ctx: PageContext, s: AgentSnapshot) {
  return html`${factsCard(ctx.timezone, s)} ${interfacesCard(s)} ${disksCard(s)} ${sensorsCard(s)}`;
}
