/** The Rules card of Settings → Notifications: each rule's condition and state, and the add/edit form. */
import { html, type SafeHtml } from "../../src/core/html";
import { CATEGORIES, type EventSpec, OPERATOR_LABEL, OPERATORS } from "../../src/notify/catalogue";
import type { PageContext } from "../layout";

export interface RuleItem {
  id: number | null;
  channel: string;
  event: string;
  condition: string;
  cooldown: string;
  quiet: string;
  recovery: boolean;
  enabled: boolean;
  fromConfig: boolean;
  /** Subjects (monitors, agents, "speed tests") whose alert is firing. */
  firing: string[];
}

export interface RuleFormValues {
  channel_id: string;
  event_id: string;
  threshold_value: string;
  threshold_operator: string;
  min_breaches: string;
  window_size: string;
  cooldown_minutes: string;
  quiet_start: string;
  quiet_end: string;
  notify_recovery: boolean;
  enabled: boolean;
}

export interface RulesView {
  items: RuleItem[];
  events: readonly EventSpec[];
  channels: { id: number; name: string }[];
  form: { id?: number; values: RuleFormValues };
  timezone: string;
}

const CATEGORY_LABEL = { speedtest: "Speed tests", packetloss: "Packet loss", agent: "Agents" } as const;

const action = (ctx: PageContext, path: string) =>
  html`method="post" action="${ctx.base}/settings/notifications${path}" hx-post="${ctx.base}/settings/notifications${path}" hx-target="#notify" hx-swap="outerHTML"`;

function input(name: keyof RuleFormValues, label: string, value: string, extra: SafeHtml | string = "", hint = "") {
  return html`<div class="field"><label for="rule-${name}">${label}</label><input id="rule-${name}" name="${name}" value="${value}" ${extra} />${hint ? html`<span class="hint">${hint}</span>` : ""}</div>`;
}

function ruleForm(ctx: PageContext, v: RulesView): SafeHtml {
  const f = v.form.values;
  if (v.channels.length === 0)
    return html`<p class="muted small">Add a channel first; rules say which events reach it.</p>`;
  return html`<form class="form" id="rule-form" ${action(ctx, v.form.id ? `/rules/${v.form.id}` : "/rules")}>
    <h3>${v.form.id ? "Edit rule" : "Add a rule"}</h3>
    <div class="row">
      <div class="field"><label for="rule-channel_id">Channel</label>
        <select id="rule-channel_id" name="channel_id"${v.form.id ? " disabled" : ""}>${v.channels.map((c) => html`<option value="${c.id}"${String(c.id) === f.channel_id ? " selected" : ""}>${c.name}</option>`)}</select></div>
      <div class="field"><label for="rule-event_id">Event</label>
        <select id="rule-event_id" name="event_id"${v.form.id ? " disabled" : ""}>${CATEGORIES.map(
          (cat) =>
            html`<optgroup label="${CATEGORY_LABEL[cat]}">${v.events
              .filter((e) => e.category === cat)
              .map(
                (e) =>
                  html`<option value="${e.id}"${String(e.id) === f.event_id ? " selected" : ""}>${e.name}${e.threshold ? ` (${e.threshold.unit})` : ""}</option>`,
              )}</optgroup>`,
        )}</select></div>
    </div>
    <div class="row">
      <div class="field"><label for="rule-threshold_operator">Operator</label>
        <select id="rule-threshold_operator" name="threshold_operator"><option value="">event's default</option>${OPERATORS.map((o) => html`<option value="${o}"${o === f.threshold_operator ? " selected" : ""}>${OPERATOR_LABEL[o]} (${o})</option>`)}</select></div>
      ${input("threshold_value", "Threshold", f.threshold_value, html`type="number" step="any" inputmode="decimal"`, "Empty: the event's default (for packet loss, the monitor's own).")}
    </div>
    <div class="row">
      ${input("min_breaches", "Alert after N breaches…", f.min_breaches, html`type="number" min="1" max="100" required`)}
      ${input("window_size", "…of the last M checks", f.window_size, html`type="number" min="1" max="100" required`)}
      ${input("cooldown_minutes", "Cooldown (minutes)", f.cooldown_minutes, html`type="number" min="0" max="10080" required`, "Counted from the last alert actually delivered.")}
    </div>
    <div class="row">
      ${input("quiet_start", "Quiet from", f.quiet_start, html`type="time"`)}
      ${input("quiet_end", "Quiet until", f.quiet_end, html`type="time"`, `No alerts in between (${v.timezone || "server time"}).`)}
    </div>
    <label class="check"><input type="checkbox" name="notify_recovery" value="on"${f.notify_recovery ? " checked" : ""} /> Send a message when the condition clears</label>
    <label class="check"><input type="checkbox" name="enabled" value="on"${f.enabled ? " checked" : ""} /> Enabled</label>
    <div class="row"><button class="btn btn-primary" type="submit">${v.form.id ? "Save rule" : "Add rule"}</button>${v.form.id ? html`<a class="btn" href="${ctx.base}/settings/notifications">Cancel</a>` : ""}</div>
  </form>`;
}

export function rulesCard(ctx: PageContext, v: RulesView): SafeHtml {
  return html`<section class="card" aria-labelledby="rules-title">
    <h2 id="rules-title">Rules</h2>
    <p class="muted small">A rule sends one channel the alerts of one event: once when its condition holds (N of the last M checks), again only after it cleared and the cooldown passed.</p>
    ${
      v.items.length === 0
        ? html`<p class="empty">No rules yet.</p>`
        : html`<div class="table-wrap"><table class="notify-table card-rows">
          <thead><tr><th>Event</th><th>Channel</th><th>Condition</th><th>Cooldown · quiet</th><th>State</th><th aria-label="Actions"></th></tr></thead>
          <tbody>${v.items.map(
            (r) => html`<tr>
              <td class="cell-title">${r.event}</td>
              <td data-label="Channel"><span class="cell-truncate narrow" title="${r.channel}">${r.channel}</span></td>
              <td class="soft-wrap" data-label="Condition">${r.condition}${r.recovery ? html` <span class="muted small">+ recovery</span>` : ""}</td>
              <td class="soft-wrap" data-label="Cooldown · quiet">${r.cooldown}${r.quiet === "–" ? "" : html` <span class="muted small">· quiet ${r.quiet}</span>`}</td>
              <td data-label="State">${!r.enabled ? html`<span class="badge">Disabled</span>` : r.firing.length ? html`<span class="badge badge-bad" title="${r.firing.join(", ")}">Alerting: ${r.firing.length}</span>` : html`<span class="badge badge-ok">Quiet</span>`}${r.fromConfig ? html` <span class="badge badge-info">from config</span>` : ""}</td>
              <td class="cell-wide cell-actions">${
                r.id === null
                  ? ""
                  : html`<div class="actions"><a class="btn btn-small" data-change href="${ctx.base}/settings/notifications?edit_rule=${r.id}#rule-form">Edit</a>
                  <form ${action(ctx, `/rules/${r.id}/delete`)}><button class="btn btn-small btn-danger" type="submit">Delete</button></form></div>`
              }</td>
            </tr>`,
          )}</tbody>
        </table></div>`
    }
    ${ruleForm(ctx, v)}
  </section>`;
}
