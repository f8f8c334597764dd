/**
 * The traceroute panel of the Traceroute page: a host form and a hop table
 * that fills in live, driven by the `traceroute` Alpine component (public/traceroute.js).
 * On a phone the table turns into one card per hop.
 */
import { html, jsonAttr } from "../../src/core/html";
import { type MachineChoice, runFromSelect } from "../components/run-from";
import { icons } from "../icons";
import type { PageContext } from "../layout";

export interface TraceroutePanelView {
  /** Pre-fills the form and starts a trace at once (links such as "trace this host" from a monitor). */
  host?: string | undefined;
  maxHops: number;
  /** Probes per hop: one RTT column each. */
  queries: number;
  maxSilentHops: number;
  timeoutSeconds: number;
  /** Whether a GeoIP database is configured; without one the country/network column is left out. */
  geoip: boolean;
  /** The agents a trace may run from. */
  machines: readonly MachineChoice[];
}

/** Every form the host field accepts, one example each; clicking one fills the field. */
const EXAMPLES = ["example.com", "1.1.1.1", "2606:4700:4700::1111", "https://example.com/page", "example.com:443"];

export function traceroutePanel(ctx: PageContext, v: TraceroutePanelView) {
  const initial = {
    base: ctx.base,
    host: v.host ?? "",
    autostart: Boolean(v.host?.trim()),
    maxHops: v.maxHops,
    maxSilentHops: v.maxSilentHops,
    timeoutSeconds: v.timeoutSeconds,
  };
  const probes = Array.from({ length: v.queries }, (_, i) => i);
  const columns = 4 + v.queries + (v.geoip ? 1 : 0);
  return html`<section class="card trace" x-data="traceroute(${jsonAttr(initial)})" aria-labelledby="trace-title">
    <div class="card-head">
      <h2 id="trace-title">Traceroute</h2>
      <span class="badge" :class="badgeClass" x-text="statusLabel">Idle</span>
    </div>
    <form class="form" @submit.prevent="start()" action="${ctx.base}/traceroute" method="get">
      <div class="row trace-row">
        <div class="field">
          <label for="f-trace-host">Host</label>
          <input
            id="f-trace-host"
            name="host"
            x-model="host"
            value="${v.host ?? ""}"
            placeholder="name, IP address or URL"
            autocomplete="off"
            autocapitalize="off"
            spellcheck="false"
            maxlength="2048"
            required
            :aria-invalid="error ? 'true' : null"
            aria-describedby="f-trace-host-hint"
          />
        </div>
        ${runFromSelect(v.machines, null, { id: "f-trace-from", model: "runFrom" })}
        <button class="btn btn-primary" type="submit" x-show="!running">${icons.play} Trace</button>
        <button class="btn btn-danger" type="button" x-show="running" x-cloak @click="stop()">${icons.stop} Stop</button>
      </div>
      <div class="hint examples" id="f-trace-host-hint">
        <span>A name, IPv4 or IPv6 address, URL, host:port or [IPv6]:port. For example</span>
        ${EXAMPLES.map(
          (example) =>
            html`<button type="button" class="chip" data-example="${example}" @click="host = $el.dataset.example">${example}</button>`,
        )}
      </div>
    </form>

    <div class="trace-progress" x-show="status !== 'idle'" x-cloak>
      <p class="trace-status" aria-live="polite" x-show="statusText" x-text="statusText"></p>
      <div class="progress" role="progressbar" aria-label="Trace progress" aria-valuemin="0" aria-valuemax="100" :aria-valuenow="Math.round(percent)" x-show="running">
        <div class="progress-bar" :style="'width:' + percent + '%'"></div>
      </div>
      <div class="alert alert-error" role="alert" x-show="error" x-text="error"></div>
      <div class="row" x-show="status === 'done' || status === 'stopped'">
        <a class="btn btn-small" :href="monitorHref">Monitor this host</a>
      </div>
    </div>

    <div class="table-wrap">
      <table class="hop-table">
        <caption class="sr-only">Hops on the path to the destination</caption>
        <thead>
          <tr>
            <th class="num" scope="col">Hop</th>
            <th scope="col">Host</th>
            <th scope="col">IP</th>
            ${probes.map((i) => html`<th class="num" scope="col">RTT ${i + 1}</th>`)}
            <th class="num" scope="col">Loss</th>
            ${v.geoip ? html`<th scope="col">Network</th>` : ""}
          </tr>
        </thead>
        <tbody>
          <tr x-show="hops.length === 0"><td class="empty" colspan="${columns}" x-text="emptyText">Hops appear here as they are discovered.</td></tr>
          <template x-for="hop in hops" :key="hop.number">
            <tr class="hop" :class="hop.timeout ? 'hop-silent' : ''">
              <td class="num hop-number" data-label="Hop" x-text="hop.number"></td>
              <td class="hop-host" data-label="Host">
                <span class="hop-name" x-text="hostLabel(hop)"></span>
                <template x-for="note in hop.annotations" :key="note">
                  <span class="badge badge-warn" :title="annotationText(note)" x-text="note"></span>
                </template>
                <template x-for="other in hop.responders.slice(1)" :key="other.ip">
                  <span class="hop-also muted small" x-text="'also ' + other.ip"></span>
                </template>
              </td>
              <td class="hop-ip mono" data-label="IP" x-text="hop.timeout ? '–' : hop.ip"></td>
              ${probes.map(
                (i) =>
                  html`<td class="num hop-rtt" data-label="RTT ${i + 1}" x-text="rtt(hop.rtts[${i}])" :class="hop.rtts[${i}] === null ? 'muted' : ''"></td>`,
              )}
              <td class="num hop-loss" data-label="Loss"><span class="badge" :class="lossClass(hop.loss)" x-text="Math.round(hop.loss) + '%'"></span></td>
              ${
                v.geoip
                  ? html`<td class="hop-geo" :class="hop.countryCode || hop.as ? '' : 'hop-geo-unknown'" data-label="Network">
                    <span x-show="hop.countryCode" :title="hop.location"><span class="flag" aria-hidden="true" x-text="hop.flag"></span> <span x-text="hop.countryCode"></span></span>
                    <span class="hop-as" x-text="hop.as ?? (hop.countryCode ? '' : '–')"></span>
                  </td>`
                  : ""
              }
            </tr>
          </template>
        </tbody>
      </table>
    </div>
    ${v.geoip ? "" : html`<p class="hint">Set <code>[geoip]</code> database paths in the configuration to see each hop's country and network.</p>`}
  </section>`;
}
