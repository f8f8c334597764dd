/** The schedule manager card: existing schedules with their next run, and a form to add one. */
import { html, jsonAttr } from "../../src/core/html";
import { PROVIDERS } from "../../src/measure/providers/registry";
import type { ScheduleView } from "../../src/speedtest/schedules.service";
import { TEST_TYPES } from "../../src/speedtest/speedtest.schema";
import { alert } from "../components/form";
import { timeTag } from "../components/format";
import { icons } from "../icons";
import type { PageContext } from "../layout";

const PRESETS = ["15m", "30m", "1h", "6h", "12h", "24h", "7d", "exact:06:00,18:00", "0 */4 * * *"];

export function schedulesCard(
  ctx: PageContext,
  o: { schedules: ScheduleView[]; timezone: string; error?: string; notice?: string; interval?: string },
) {
  const hostProviders = TEST_TYPES.filter((id) => PROVIDERS[id].target === "host");
  const hostLabels = Object.fromEntries(hostProviders.map((id) => [id, PROVIDERS[id].host?.label ?? "Server host"]));
  const state = { provider: TEST_TYPES[0], hostProviders, hostLabels, interval: o.interval ?? "1h" };
  return html`<div id="schedules" x-data="${jsonAttr(state)}">
    <div class="card-head"><h2 id="schedules-title">Schedules</h2><span class="muted small">Times in ${o.timezone}</span></div>
    ${alert("error", o.error)} ${alert("ok", o.notice)}
    ${
      o.schedules.length === 0
        ? html`<p class="muted">No schedules yet. Add one below to test automatically.</p>`
        : html`<div class="table-wrap"><table>
          <thead><tr><th scope="col">Runs</th><th scope="col">Provider</th><th scope="col">Server</th><th scope="col">Next run</th><th scope="col">Last run</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            ${o.schedules.map(
              (s) => html`<tr>
                <td><strong>${s.description}</strong><div class="muted small mono">${s.interval}</div></td>
                <td><span class="badge">${PROVIDERS[s.testType].label}</span></td>
                <td><span class="truncate">${s.target}</span></td>
                <td>${s.enabled ? timeTag(o.timezone, s.nextRun) : html`<span class="muted">–</span>`}</td>
                <td>${timeTag(o.timezone, s.lastRun)}</td>
                <td>${s.enabled ? html`<span class="badge badge-ok">active</span>` : html`<span class="badge">paused</span>`}</td>
                <td class="num">
                  <button class="btn btn-small" type="button" hx-post="${ctx.base}/speedtest/schedules/${s.id}/${s.enabled ? "pause" : "resume"}" hx-target="#schedules" hx-swap="outerHTML">${s.enabled ? "Pause" : "Resume"}</button>
                  <button class="btn btn-small btn-danger" type="button" aria-label="Delete schedule ${s.description}" hx-delete="${ctx.base}/speedtest/schedules/${s.id}" hx-confirm="Delete this schedule?" hx-target="#schedules" hx-swap="outerHTML">${icons.trash}</button>
                </td>
              </tr>`,
            )}
          </tbody></table></div>`
    }
    <form class="form schedule-form" hx-post="${ctx.base}/speedtest/schedules" hx-target="#schedules" hx-swap="outerHTML">
      <h3>Add a schedule</h3>
      <div class="row">
        <div class="field">
          <label for="s-interval">Interval</label>
          <input id="s-interval" name="interval" x-model="interval" list="s-presets" required autocomplete="off" spellcheck="false" />
          <datalist id="s-presets">${PRESETS.map((p) => html`<option value="${p}"></option>`)}</datalist>
          <span class="hint">A duration (<code>30m</code>, <code>1h</code>, <code>7d</code>), daily times (<code>exact:06:00,18:00</code>) or cron (<code>0 */4 * * *</code>). A random delay spreads runs out.</span>
        </div>
        <div class="field">
          <label for="s-provider">Provider</label>
          <select id="s-provider" name="provider" x-model="provider">
            ${TEST_TYPES.map((id) => html`<option value="${id}">${PROVIDERS[id].label}</option>`)}
          </select>
        </div>
        <div class="field" x-show="!hostProviders.includes(provider)">
          <label for="s-server">Server ID</label>
          <input id="s-server" name="serverId" placeholder="empty: closest server (auto)" autocomplete="off" :disabled="hostProviders.includes(provider)" />
        </div>
        <div class="field" x-show="hostProviders.includes(provider)" x-cloak>
          <label for="s-host" x-text="hostLabels[provider]">${hostProviders[0] ? hostLabels[hostProviders[0]] : "Server host"}</label>
          <input id="s-host" name="serverHost" placeholder="host, host:port or [IPv6]:port" autocomplete="off" :disabled="!hostProviders.includes(provider)" />
        </div>
      </div>
      <div class="row">
        <label class="check"><input type="checkbox" name="enableDownload" value="on" checked /> Download</label>
        <label class="check"><input type="checkbox" name="enableUpload" value="on" checked /> Upload</label>
        <button class="btn btn-primary" type="submit">Add schedule</button>
      </div>
    </form>
  </div>`;
}
