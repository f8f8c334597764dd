/** The create/edit form of a packet-loss monitor on the Monitors page. */
import { html, jsonAttr } from "../../src/core/html";
import { alert } from "../components/form";
import { type MachineChoice, runFromSelect } from "../components/run-from";
import { icons } from "../icons";
import type { PageContext } from "../layout";

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

export interface MonitorFormValues {
  host: string;
  name: string;
  /** A duration (preset or not) or `exact:HH:MM,…`. */
  interval: string;
  packetCount: number | string;
  threshold: number | string;
  startImmediately: boolean;
  /** The agent to run from; null: this server. */
  runFrom: number | null;
}

export interface MonitorFormView {
  /** Set when editing. */
  id?: number;
  values: MonitorFormValues;
  error?: { field?: string; message: string };
  /** The agents a monitor may run from (none: the choice is not shown). */
  machines: readonly MachineChoice[];
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
    ${runFromSelect(f.machines, f.values.runFrom, {
      id: "m-run-from",
      hint: "Probe from an agent to see the path from where it is; a run while it is unreachable is recorded as such.",
      problem: problem("runFrom"),
    })}
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
