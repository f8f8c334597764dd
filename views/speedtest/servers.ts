/** The server picker fragment: a searchable list with "closest server (auto)" first. */
import { html } from "../../src/core/html";
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

export function serverList(testType: TestType, servers: SpeedTestServer[], error?: string) {
  const name = `serverId-${testType}`;
  return html`<div class="server-picker" x-data="{ q: '' }">
    <label class="sr-only" for="search-${testType}">Search servers</label>
    <input id="search-${testType}" type="search" placeholder="Search by name, sponsor, country or ID" x-model="q" autocomplete="off" />
    ${error ? html`<div class="alert alert-error" role="alert">Could not load the server list: ${error}</div>` : ""}
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
    ${servers.length === 0 && !error ? html`<p class="muted small">No servers listed; the closest server is chosen automatically.</p>` : ""}
  </div>`;
}
