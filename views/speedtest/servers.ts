/** The server picker fragment: a searchable list with "closest server (auto)" first. */
import { html } from "../../src/core/html";
import { plainError } from "../../src/core/plain-error";
import type { SpeedTestServer } from "../../src/protocol/measurements";
import type { TestType } from "../../src/speedtest/speedtest.schema";

/** Sponsor, country and distance, as far as the list gives them. */
function serverDetails(s: SpeedTestServer): string {
  return [
    s.sponsor && s.sponsor !== s.name ? s.sponsor : "",
    s.country,
    s.distance > 0 ? `${s.distance.toFixed(0)} km` : "",
  ]
    .filter(Boolean)
    .join(" · ");
}

/**
 * `url` reloads the list (the Retry button). The fragment tells the page's component whether a list is there
 * (x-init): without one no server can be chosen, so Start waits.
 */
export function serverList(testType: TestType, servers: SpeedTestServer[], url: string, error?: string) {
  const name = `serverId-${testType}`;
  if (error)
    return html`<div class="alert alert-error server-list-error" role="alert" x-init="serverList('${testType}', false)">
      <span>The server list could not be loaded: ${plainError(error).replace(/^.*server list unavailable: /i, "")}.</span>
      <button class="btn btn-small" type="button" hx-get="${url}" hx-target="closest .server-list" hx-swap="innerHTML">Retry</button>
    </div>`;
  return html`<div class="server-picker" x-data="{ q: '' }" x-init="serverList('${testType}', true)">
    <label class="sr-only" for="search-${testType}">Search servers</label>
    <input id="search-${testType}" type="search" placeholder="Search by name, sponsor, country or ID" x-model="q" autocomplete="off" />
    <div class="server-options" role="radiogroup" aria-label="Server">
      <label class="server-option">
        <input type="radio" name="${name}" value="" checked />
        <span class="server-option-text"><strong>Closest server (auto)</strong><span class="muted small">Lowest latency among the nearest servers</span></span>
      </label>
      ${servers.map(
        (
          s,
        ) => html`<label class="server-option" data-search="${`${s.id} ${s.name} ${s.sponsor} ${s.country} ${s.host}`.toLowerCase()}" x-show="!q || $el.dataset.search.includes(q.toLowerCase())">
          <input type="radio" name="${name}" value="${s.id}" />
          <span class="server-option-text">
            <strong>${s.name}</strong>
            ${s.isLibrespeed ? html`<span class="badge ${s.isPublic ? "" : "badge-info"}">${s.isPublic ? "public" : "custom"}</span>` : ""}
            <span class="muted small">${[serverDetails(s), `ID ${s.id}`].filter(Boolean).join(" · ")}</span>
          </span>
        </label>`,
      )}
    </div>
    ${servers.length === 0 ? html`<p class="muted small">No servers listed; the closest server is chosen automatically.</p>` : ""}
  </div>`;
}
