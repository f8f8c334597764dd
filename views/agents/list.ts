/**
 * The Agents page: every agent with its live state and transfer rates (kept current by public/agents.js from the
 * page's event stream), and the add/edit form. Agent-supplied and user-supplied text is always escaped.
 */
import { html, jsonAttr } from "../../src/core/html";
import type { AgentView } from "../../src/hub/agents.service";
import { alert } from "../components/form";
import { timeTag } from "../components/format";
import { icons } from "../icons";
import { layout, type PageContext } from "../layout";
import { bitRate } from "./format";
import { STATE_BADGE, shownState } from "./state";

export interface AgentFormValues {
  name: string;
  url: string;
  enabled: boolean;
}

export interface AgentFormView {
  /** Set when editing. */
  id?: number;
  values: AgentFormValues;
  /** Editing an agent that has a stored key. */
  keyStored?: boolean;
  error?: { field?: string; message: string };
}

export interface AgentsPanelView {
  agents: AgentView[];
  form: AgentFormView;
  monitoring: boolean;
  notice?: string;
  error?: string;
}

function stateBadge(a: AgentView) {
  const shown = shownState(a.live);
  const [label, css] = STATE_BADGE[shown];
  // States that arrive over the event stream win over the rendered one (they may be newer than this fragment).
  return html`<span class="badge ${css}" :class="stateClass(${a.id}, '${shown}')" x-text="stateLabel(${a.id}, '${shown}')">${label}</span>`;
}

function stateLine(tz: string, a: AgentView) {
  const shown = shownState(a.live);
  if (shown === "disabled") return html`<span>Not connected: disabled</span>`;
  if (shown === "connecting") return html`<span>Connecting…</span>`;
  if (shown === "online") return html`<span>Online since ${timeTag(tz, a.live.since, "relative")}</span>`;
  return html`<span>${a.live.reason ?? STATE_BADGE[shown][0]}</span>
    ${a.live.since ? html`<span>since ${timeTag(tz, a.live.since, "relative")}</span>` : ""}
    ${a.live.lastSeen ? html`<span>last seen ${timeTag(tz, a.live.lastSeen, "relative")}</span>` : html`<span>never seen</span>`}`;
}

export function agentList(ctx: PageContext, agents: readonly AgentView[]) {
  return html`<div id="agent-list" hx-get="${ctx.base}/agents/list" hx-trigger="agent-state from:body" hx-swap="outerHTML">
    ${
      agents.length === 0
        ? html`<p class="empty">No agents yet. Run <code>netronome agent</code> on a server, then add it here.</p>`
        : html`<ul class="agent-list">
          ${agents.map((a) => {
            const sample = a.live.sample?.sample;
            return html`<li class="agent-item" data-agent-id="${a.id}">
              <div class="agent-head">
                <a class="agent-name" href="${ctx.base}/agents/${a.id}">${a.name}</a>
                ${stateBadge(a)}
              </div>
              <div class="mono small muted agent-url" title="${a.url}">${a.url.replace(/\/events\?stream=live-data$/, "")}</div>
              <div class="agent-rates" aria-label="Current transfer rates of ${a.name}">
                <span class="rate rate-rx" title="Download (received)">↓ <span x-text="rate(${a.id}, 'rx', ${jsonAttr(bitRate(sample?.rx.bytespersecond ?? null))})">${bitRate(sample?.rx.bytespersecond ?? null)}</span></span>
                <span class="rate rate-tx" title="Upload (sent)">↑ <span x-text="rate(${a.id}, 'tx', ${jsonAttr(bitRate(sample?.tx.bytespersecond ?? null))})">${bitRate(sample?.tx.bytespersecond ?? null)}</span></span>
              </div>
              <div class="agent-meta small muted" x-show="!states[${a.id}]">${stateLine(ctx.timezone, a)}</div>
              <div class="agent-meta small muted" x-show="states[${a.id}]" x-text="stateText(${a.id})" x-cloak></div>
              <div class="agent-actions">
                <a class="btn btn-small hide-narrow" href="${ctx.base}/agents/${a.id}">Details</a>
                <button class="btn btn-small" type="button" hx-get="${ctx.base}/agents/${a.id}/edit" hx-target="#agent-form" hx-swap="outerHTML" aria-label="Edit ${a.name}">${icons.edit} Edit</button>
                ${
                  a.enabled
                    ? html`<button class="btn btn-small" type="button" hx-post="${ctx.base}/agents/${a.id}/stop" hx-target="#agents-panel" hx-swap="outerHTML" aria-label="Disable ${a.name}">${icons.stop} Disable</button>`
                    : html`<button class="btn btn-small" type="button" hx-post="${ctx.base}/agents/${a.id}/start" hx-target="#agents-panel" hx-swap="outerHTML" aria-label="Enable ${a.name}">${icons.play} Enable</button>`
                }
                <button class="btn btn-small btn-danger" type="button" hx-delete="${ctx.base}/agents/${a.id}" hx-confirm="Delete the agent ${a.name} and its history?" hx-target="#agents-panel" hx-swap="outerHTML" aria-label="Delete ${a.name}">${icons.trash}</button>
              </div>
            </li>`;
          })}
        </ul>`
    }
  </div>`;
}

export function agentForm(ctx: PageContext, f: AgentFormView) {
  const problem = (field: string) =>
    f.error?.field === field
      ? html`<span class="field-error" id="a-${field}-error">${f.error.message.replace(`${field}: `, "")}</span>`
      : "";
  const invalid = (field: string) =>
    f.error?.field === field ? html`aria-invalid="true" aria-describedby="a-${field}-error"` : "";
  const action = f.id ? `${ctx.base}/agents/${f.id}` : `${ctx.base}/agents`;
  return html`<form id="agent-form" class="form agent-form" hx-post="${action}" hx-target="#agents-panel" hx-swap="outerHTML" x-data="{ removeKey: false }">
    <div class="card-head"><h2 id="agent-form-title">${f.id ? "Edit agent" : "Add an agent"}</h2>
      ${f.id ? html`<button class="btn btn-small" type="button" hx-get="${ctx.base}/agents/new" hx-target="#agent-form" hx-swap="outerHTML">Cancel</button>` : ""}
    </div>
    ${f.error && !f.error.field ? alert("error", f.error.message) : ""}
    <div class="field">
      <label for="a-name">Name</label>
      <input id="a-name" name="name" value="${f.values.name}" placeholder="NAS, web-01…" required maxlength="100" autocomplete="off" ${invalid("name")} />
      ${problem("name")}
    </div>
    <div class="field">
      <label for="a-url">Agent URL</label>
      <input id="a-url" name="url" value="${f.values.url}" placeholder="http://192.168.1.10:8200" required autocomplete="off" spellcheck="false" inputmode="url" ${invalid("url")} />
      <span class="hint">Where <code>netronome agent</code> listens (port 8200 by default); http or https.</span>
      ${problem("url")}
    </div>
    <div class="field">
      <label for="a-key">API key ${f.keyStored ? html`<span class="badge">stored</span>` : html`<span class="muted small">(if the agent has one)</span>`}</label>
      <input id="a-key" name="apiKey" type="password" autocomplete="new-password" spellcheck="false" placeholder="${f.keyStored ? "leave empty to keep the stored key" : "the agent's --api-key"}" :disabled="removeKey" ${invalid("apiKey")} />
      <span class="hint">Stored encrypted and sent only to the agent, in the X-API-Key header.</span>
      ${problem("apiKey")}
    </div>
    ${f.keyStored ? html`<label class="check"><input type="checkbox" x-model="removeKey" /> Remove the stored key</label>` : ""}
    <input type="hidden" name="keyMode" value="none" disabled :disabled="!removeKey" />
    <label class="check"><input type="checkbox" name="enabled" value="on" ${f.values.enabled ? html`checked` : ""} /> Connect to this agent (enabled)</label>
    <div class="row">
      <button class="btn btn-primary" type="submit">${f.id ? "Save changes" : "Add agent"}</button>
    </div>
  </form>`;
}

export function agentsPanel(ctx: PageContext, v: AgentsPanelView) {
  return html`<div id="agents-panel" class="agents">
    ${alert("ok", v.notice)} ${alert("error", v.error)}
    ${
      v.monitoring
        ? ""
        : alert(
            "warn",
            "Agent monitoring is switched off ([monitor] enabled = false): agents are listed here but not contacted.",
          )
    }
    <div class="agents-grid">
      <section class="card" aria-labelledby="agents-title">
        <div class="card-head"><h2 id="agents-title">Agents</h2><span class="muted small">${v.agents.length} configured · live rates</span></div>
        ${agentList(ctx, v.agents)}
      </section>
      <section class="card" aria-labelledby="agent-form-title">${agentForm(ctx, v.form)}</section>
    </div>
  </div>`;
}

export function agentsPage(ctx: PageContext, v: AgentsPanelView) {
  return layout(ctx, {
    title: "Agents",
    live: true,
    scripts: ["agents.js"],
    // The live state outlives the panel, which every action replaces.
    content: html`<div x-data="agentsPanel(${jsonAttr({ base: ctx.base })})">
      <div class="page-head">
        <div><h1>Agents</h1><p>Servers running <code>netronome agent</code>: bandwidth, resources and system details, live.</p></div>
      </div>
      ${agentsPanel(ctx, v)}
    </div>`,
  });
}
