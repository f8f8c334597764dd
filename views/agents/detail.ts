/**
 * One agent's page: its name and live state, a banner while it is not online (since when, last seen, and that the
 * figures are the last it reported), and the Overview, Bandwidth and System tabs. The page's Alpine component
 * (public/agents.js) follows the agent's events: state, live rates, and a refresh of the tab when new figures arrive.
 */
import { html, jsonAttr, type SafeHtml } from "../../src/core/html";
import type { AgentSnapshot } from "../../src/hub/agents.service";
import { timeTag } from "../components/format";
import { icons } from "../icons";
import { layout, type PageContext } from "../layout";
import { bandwidthCharts, bandwidthLive, bandwidthPanel } from "./bandwidth";
import { bitRate } from "./format";
import { overviewCharts, overviewPanel } from "./overview";
import { STATE_BADGE, shownState } from "./state";
import { systemPanel } from "./system";

export type AgentTab = "overview" | "bandwidth" | "system";

const TABS: [AgentTab, string][] = [
  ["overview", "Overview"],
  ["bandwidth", "Bandwidth"],
  ["system", "System"],
];

/** The refreshable part of a tab: what /agents/:id/panel answers. */
export function agentPanel(ctx: PageContext, s: AgentSnapshot, tab: AgentTab): SafeHtml {
  if (tab === "bandwidth") return bandwidthPanel(ctx, s);
  if (tab === "system") return systemPanel(ctx, s);
  return overviewPanel(ctx, s);
}

/** The banner's first text, before the page's script takes over (it says the same in the viewer's timezone). */
function bannerText(tz: string, s: AgentSnapshot): SafeHtml {
  const live = s.agent.live;
  const shown = shownState(live);
  const since = live.since ? html` since ${timeTag(tz, live.since)}` : "";
  const seen = live.lastSeen ? html` Last seen ${timeTag(tz, live.lastSeen, "relative")}.` : html` Never seen.`;
  const figures = s.info?.hardwareAt ?? s.info?.systemAt;
  const last = figures ? html` Showing the last data it reported (${timeTag(tz, figures)}).` : "";
  if (shown === "disabled") return html`This agent is disabled and not contacted.${last}`;
  if (shown === "connecting") return html`Connecting to the agent…`;
  if (shown === "unauthorized")
    return html`Unauthorized${since}: ${(live.reason ?? "check the API key").replace(/^unauthorized: /, "")}.${seen}${last}`;
  if (shown === "incompatible") return html`Incompatible${since}: ${live.reason ?? ""}.${seen}${last}`;
  return html`Offline${since}${live.reason ? html` (${live.reason})` : ""}.${seen}${last}`;
}

export function agentPage(ctx: PageContext, s: AgentSnapshot, tab: AgentTab) {
  const a = s.agent;
  const shown = shownState(a.live);
  const [label, css] = STATE_BADGE[shown];
  const sample = a.live.sample?.sample;
  const state = {
    base: ctx.base,
    id: a.id,
    tab,
    state: a.live.state,
    reason: a.live.reason,
    since: a.live.since?.toISOString() ?? null,
    lastSeen: a.live.lastSeen?.toISOString() ?? null,
    figuresAt: (s.info?.hardwareAt ?? s.info?.systemAt)?.toISOString() ?? null,
    monitored: a.live.monitored,
    rx: sample?.rx.bytespersecond ?? null,
    tx: sample?.tx.bytespersecond ?? null,
    iface: s.vnstat.find((v) => v.interfaceName === a.interface)?.interfaceName ?? s.vnstat[0]?.interfaceName ?? "",
  };
  const content = html`<div class="agent-page" x-data="agentPage(${jsonAttr(state)})">
    <div class="page-head">
      <div class="agent-title">
        <a class="back-link small" href="${ctx.base}/agents">← All agents</a>
        <h1><span class="agent-title-name">${a.name}</span> <span class="badge ${css}" :class="badgeClass()" x-text="badgeLabel()">${label}</span></h1>
        <p class="mono small agent-host">${s.info?.hostname ? html`<span title="Hostname the agent reports">${s.info.hostname}</span> · ` : ""}${a.url.replace(/\/events\?stream=live-data$/, "")}</p>
      </div>
      <div class="row agent-page-actions">
        <span class="agent-rates agent-rates-big" aria-label="Current transfer rates">
          <span class="rate rate-rx" title="Download (received)">↓ <span x-text="rate('rx')">${bitRate(state.rx)}</span></span>
          <span class="rate rate-tx" title="Upload (sent)">↑ <span x-text="rate('tx')">${bitRate(state.tx)}</span></span>
        </span>
        <a class="btn btn-small" href="${ctx.base}/agents?edit=${a.id}">${icons.edit} Edit</a>
        ${
          a.enabled
            ? html`<button class="btn btn-small" type="button" hx-post="${ctx.base}/agents/${a.id}/stop?from=page">${icons.stop} Disable</button>`
            : html`<button class="btn btn-small" type="button" hx-post="${ctx.base}/agents/${a.id}/start?from=page">${icons.play} Enable</button>`
        }
      </div>
    </div>
    <div class="alert ${shown === "unauthorized" ? "alert-error" : "alert-warn"} agent-banner" role="status" ${shown === "online" ? html`hidden` : ""} :hidden="state === 'online'" :class="bannerClass()"><span x-text="bannerText()">${bannerText(ctx.timezone, s)}</span></div>
    <nav class="segmented agent-tabs" aria-label="Agent details">
      ${TABS.map(
        ([id, text]) =>
          html`<a href="${ctx.base}/agents/${a.id}${id === "overview" ? "" : `?tab=${id}`}" ${tab === id ? html`aria-current="page"` : ""}>${text}</a>`,
      )}
    </nav>
    ${tab === "bandwidth" ? html`${bandwidthLive(ctx, s)} ${bandwidthCharts(ctx, s)}` : ""}
    <div id="agent-panel" class="agent-panel" hx-get="${ctx.base}/agents/${a.id}/panel?tab=${tab}" hx-trigger="refresh" hx-swap="innerHTML">
      ${agentPanel(ctx, s, tab)}
    </div>
    ${tab === "overview" && s.info ? overviewCharts(ctx, s) : ""}
    <span hidden data-page-ready></span>
  </div>`;
  return layout(ctx, {
    title: a.name,
    live: true,
    scripts: ["apexcharts.js", "agents.js"],
    content,
  });
}
