/**
 * Settings → Notifications: channels (forms derived from the channel registry), rules per event, and the delivery
 * history. One fragment (#notify) that every action re-renders with its outcome.
 */
import { html, type SafeHtml } from "../../src/core/html";
import type { ChannelType, ChannelValues } from "../../src/notify/channels/channel";
import { alert } from "../components/form";
import { timeTag } from "../components/format";
import { layout, type PageContext } from "../layout";
import { type RulesView, rulesCard } from "./notification-rules";

export interface ChannelItem {
  id: number;
  name: string;
  typeLabel: string;
  url: string;
  enabled: boolean;
  fromConfig: boolean;
}

export interface ChannelFormView {
  id?: number;
  name: string;
  typeId: string;
  /** Secrets are never filled in: an empty secret field keeps the stored one. */
  values: ChannelValues;
  enabled: boolean;
}

export interface HistoryItem {
  at: Date;
  channel: string;
  event: string;
  success: boolean;
  attempts: number;
  error: string | null;
  message: string;
}

export interface NotificationsView {
  types: readonly ChannelType[];
  channels: ChannelItem[];
  channelForm: ChannelFormView;
  rules: RulesView;
  history: HistoryItem[];
  notice?: string;
  error?: string;
}

const action = (ctx: PageContext, path: string) =>
  html`method="post" action="${ctx.base}/settings/notifications${path}" hx-post="${ctx.base}/settings/notifications${path}" hx-target="#notify" hx-swap="outerHTML"`;

/** The chosen type's help and fields, swapped as a whole when the type changes. */
export function channelFields(type: ChannelType, form: ChannelFormView): SafeHtml {
  return html`<div id="channel-fields" class="stack">
    <p class="hint">${type.description} Example: <span class="mono">${type.example}</span></p>
    <div class="row">
    ${type.fields.map((f) => {
      const id = `ch-${f.key}`;
      const value = f.secret ? "" : (form.values[f.key] ?? "");
      const hint = f.secret && form.id ? "Leave empty to keep the saved value." : f.hint;
      const control = f.choices
        ? html`<select id="${id}" name="v.${f.key}">${f.choices.map((c) => html`<option value="${c}"${c === value ? " selected" : ""}>${c === "" ? "default" : c}</option>`)}</select>`
        : html`<input id="${id}" name="v.${f.key}" type="${f.secret ? "password" : "text"}" value="${value}" autocomplete="off"${f.placeholder ? html` placeholder="${f.placeholder}"` : ""}${f.required && !(f.secret && form.id) ? " required" : ""} />`;
      return html`<div class="field"><label for="${id}">${f.label}${f.required ? "" : html` <span class="muted small">(optional)</span>`}</label>${control}${hint ? html`<span class="hint">${hint}</span>` : ""}</div>`;
    })}
    </div>
  </div>`;
}

/** The add/edit form; changing the type swaps in that type's fields (from the registry). */
export function channelForm(ctx: PageContext, types: readonly ChannelType[], form: ChannelFormView): SafeHtml {
  const type = types.find((t) => t.id === form.typeId) ?? types[0]!;
  return html`<form class="form" id="channel-form" ${action(ctx, form.id ? `/channels/${form.id}` : "/channels")}>
    <h3>${form.id ? html`Edit “${form.name}”` : "Add a channel"}</h3>
    <div class="row">
      <div class="field"><label for="ch-name">Name</label><input id="ch-name" name="name" type="text" maxlength="100" required value="${form.name}" placeholder="Team alerts" /></div>
      <div class="field"><label for="ch-type">Type</label>
        <select id="ch-type" name="type" hx-get="${ctx.base}/settings/notifications/channel-fields" hx-target="#channel-fields" hx-swap="outerHTML" hx-include="closest form">
          ${types.map((t) => html`<option value="${t.id}"${t.id === type.id ? " selected" : ""}>${t.label}</option>`)}
        </select>
      </div>
    </div>
    ${channelFields(type, form)}
    <details><summary class="small">Or paste a channel URL (shoutrrr format)</summary>
      <div class="field"><label for="ch-url">Channel URL</label><input id="ch-url" name="url" type="text" maxlength="2048" autocomplete="off" placeholder="discord://token@id, ntfy://ntfy.sh/topic, smtp://…" /><span class="hint">When given, it replaces the fields above.</span></div>
    </details>
    <label class="check"><input type="checkbox" name="enabled" value="on"${form.enabled ? " checked" : ""} /> Enabled</label>
    <div class="row"><button class="btn btn-primary" type="submit">${form.id ? "Save channel" : "Add channel"}</button>${form.id ? html`<a class="btn" href="${ctx.base}/settings/notifications">Cancel</a>` : ""}</div>
  </form>`;
}

function channelsCard(ctx: PageContext, v: NotificationsView): SafeHtml {
  return html`<section class="card" aria-labelledby="channels-title">
    <h2 id="channels-title">Channels</h2>
    ${
      v.channels.length === 0
        ? html`<p class="empty">No channels yet. Add one below, then choose in Rules which events it hears about.</p>`
        : html`<div class="table-wrap"><table class="notify-table card-rows">
          <thead><tr><th>Name</th><th>Type</th><th>Destination</th><th>Status</th><th aria-label="Actions"></th></tr></thead>
          <tbody>${v.channels.map(
            (c) => html`<tr data-channel-id="${c.id}">
              <td class="cell-title"><span class="cell-truncate" title="${c.name}">${c.name}</span></td>
              <td data-label="Type">${c.typeLabel}</td>
              <td class="cell-wide" data-label="Destination"><span class="cell-truncate mono small" title="${c.url}">${c.url}</span></td>
              <td data-label="Status">${c.fromConfig ? html`<span class="badge badge-info" title="Set by [notifications] in the config file; change it there">from config</span>` : c.enabled ? html`<span class="badge badge-ok">Enabled</span>` : html`<span class="badge">Disabled</span>`}</td>
              <td class="cell-wide"><div class="actions">
                <form ${action(ctx, `/channels/${c.id}/test`)}><button class="btn btn-small" type="submit">Send test</button></form>
                ${
                  c.fromConfig
                    ? ""
                    : html`<a class="btn btn-small" data-change href="${ctx.base}/settings/notifications?edit_channel=${c.id}#channel-form">Edit</a>
                  <form ${action(ctx, `/channels/${c.id}/delete`)} hx-confirm="Delete “${c.name}” and its rules?"><button class="btn btn-small btn-danger" type="submit">Delete</button></form>`
                }
              </div></td>
            </tr>`,
          )}</tbody>
        </table></div>`
    }
    ${channelForm(ctx, v.types, v.channelForm)}
  </section>`;
}

function historyCard(ctx: PageContext, v: NotificationsView): SafeHtml {
  return html`<section class="card" aria-labelledby="history-title">
    <h2 id="history-title">Delivery history</h2>
    ${
      v.history.length === 0
        ? html`<p class="empty">Nothing sent yet.</p>`
        : html`<div class="table-wrap"><table class="notify-table card-rows">
          <thead><tr><th>Time</th><th>Channel</th><th>Event</th><th>Result</th><th>Message</th></tr></thead>
          <tbody>${v.history.map(
            (h) => html`<tr>
              <td class="cell-time">${timeTag(ctx.timezone, h.at)}</td>
              <td data-label="Channel"><span class="cell-truncate" title="${h.channel}">${h.channel}</span></td>
              <td data-label="Event">${h.event}</td>
              <td data-label="Result">${h.success ? html`<span class="badge badge-ok">Sent</span>` : html`<span class="badge badge-bad" title="${h.error ?? ""}">Failed</span>`}${h.attempts > 1 ? html` <span class="muted small">${h.attempts} tries</span>` : ""}</td>
              <td class="wrap small cell-wide" data-label="Message">${h.message}${h.error ? html`<br /><span class="field-error">${h.error}</span>` : ""}</td>
            </tr>`,
          )}</tbody>
        </table></div>`
    }
  </section>`;
}

export function notifyFragment(ctx: PageContext, v: NotificationsView): SafeHtml {
  return html`<div id="notify" class="stack">
    ${alert("error", v.error)} ${alert("ok", v.notice)}
    ${channelsCard(ctx, v)}
    ${rulesCard(ctx, v.rules)}
    ${historyCard(ctx, v)}
  </div>`;
}

export function notificationsPage(ctx: PageContext, v: NotificationsView): SafeHtml {
  return layout(ctx, {
    title: "Notifications",
    content: html`<div class="page-head"><div><h1>Notifications</h1><p>Where alerts go, which events they follow, and what was sent. <a href="${ctx.base}/settings">Back to Settings</a></p></div></div>
      ${notifyFragment(ctx, v)}`,
  });
}
