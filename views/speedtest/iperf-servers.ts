/** The card that manages saved iperf3 servers on the Speed Test page. */
import { formatTarget } from "../../src/core/host";
import { html } from "../../src/core/html";
import type { IperfServerRow } from "../../src/speedtest/speedtest.repository";
import { alert } from "../components/form";
import { icons } from "../icons";
import type { PageContext } from "../layout";

export interface IperfServersCardView {
  servers: readonly IperfServerRow[];
  notice?: string;
  error?: { field?: string; message: string };
  /** What the form held when saving failed. */
  values?: { name?: string; host?: string; port?: string | number };
}

export function iperfServersCard(ctx: PageContext, v: IperfServersCardView) {
  const problem = (field: string) =>
    v.error?.field === field
      ? html`<span class="field-error" id="is-${field}-error">${v.error.message.replace(`${field}: `, "")}</span>`
      : "";
  const invalid = (field: string) =>
    v.error?.field === field ? html`aria-invalid="true" aria-describedby="is-${field}-error"` : "";
  return html`<div id="iperf-servers">
    <div class="card-head"><h2 id="iperf-servers-title">Saved iperf3 servers</h2><span class="muted small">Offered in the iperf3 tab; results show their names</span></div>
    ${alert("ok", v.notice)} ${v.error && !v.error.field ? alert("error", v.error.message) : ""}
    ${
      v.servers.length === 0
        ? html`<p class="muted">No saved servers yet.</p>`
        : html`<ul class="saved-servers">
          ${v.servers.map(
            (s) => html`<li>
              <span><strong>${s.name}</strong> <span class="mono small muted">${formatTarget({ host: s.host, port: s.port })}</span></span>
              <button class="btn btn-small btn-danger" type="button" aria-label="Delete saved server ${s.name}" hx-delete="${ctx.base}/speedtest/iperf-servers/${s.id}" hx-confirm="Delete the saved server ${s.name}? Its results stay." hx-target="#iperf-servers" hx-swap="outerHTML">${icons.trash}</button>
            </li>`,
          )}
        </ul>`
    }
    <form class="form saved-server-form" hx-post="${ctx.base}/speedtest/iperf-servers" hx-target="#iperf-servers" hx-swap="outerHTML">
      <div class="row">
        <div class="field">
          <label for="is-name">Name</label>
          <input id="is-name" name="name" value="${v.values?.name ?? ""}" placeholder="e.g. Office NAS" maxlength="100" required autocomplete="off" ${invalid("name")} />
          ${problem("name")}
        </div>
        <div class="field">
          <label for="is-host">Host</label>
          <input id="is-host" name="host" value="${v.values?.host ?? ""}" placeholder="host, host:port or [IPv6]:port" required autocomplete="off" spellcheck="false" ${invalid("host")} />
          ${problem("host")}
        </div>
        <div class="field field-narrow">
          <label for="is-port">Port</label>
          <input id="is-port" name="port" type="number" min="1" max="65535" value="${v.values?.port ?? ""}" placeholder="5201" ${invalid("port")} />
          ${problem("port")}
        </div>
      </div>
      <div><button class="btn btn-primary" type="submit">Save server</button></div>
    </form>
  </div>`;
}
