/** The Settings card for the signed-in user's API tokens: create one (shown once), list and revoke. */
import type { TokenRow } from "../../src/auth/tokens/tokens.repository";
import { html } from "../../src/core/html";
import { alert, field } from "../components/form";
import { timeTag } from "../components/format";
import type { PageContext } from "../layout";

export interface TokensView {
  tokens: readonly TokenRow[];
  /** Viewers create read-only tokens only. */
  canWrite: boolean;
  /** A token just created: its only appearance. */
  created?: { name: string; token: string };
  notice?: string;
  error?: string;
  fieldErrors?: Record<string, string>;
  name?: string;
}

const SCOPE_LABEL = { read: "read only", write: "read and write" } as const;

export function tokensCard(ctx: PageContext, v: TokensView) {
  const action = (path: string) =>
    html`method="post" action="${ctx.base}${path}" hx-post="${ctx.base}${path}" hx-target="#tokens-card" hx-swap="outerHTML"`;
  return html`<section class="card" id="tokens-card" aria-labelledby="tokens-title">
    <h2 id="tokens-title">API tokens</h2>
    <p class="muted small">For scripts and Prometheus: send <code>Authorization: Bearer &lt;token&gt;</code>. A read-only token can never change anything.</p>
    ${
      v.created
        ? html`<div class="alert alert-ok token-created" role="status">
          <strong>Token “${v.created.name}” created.</strong> Copy it now: it is not shown again.
          <input class="mono token-value" readonly value="${v.created.token}" aria-label="The new token" x-data x-on:focus="$el.select()" />
        </div>`
        : ""
    }
    ${alert("ok", v.notice)} ${alert("error", v.error)}
    <form class="form token-form" data-own ${action("/settings/tokens")}>
      ${field({ name: "name", label: "Name", value: v.name, placeholder: "grafana, backup script…", required: true, error: v.fieldErrors?.name })}
      <div class="field">
        <label for="f-scope">Access</label>
        <select id="f-scope" name="scope">
          <option value="read">Read only</option>
          ${v.canWrite ? html`<option value="write">Read and write</option>` : ""}
        </select>
      </div>
      <div><button class="btn btn-primary" type="submit">Create token</button></div>
    </form>
    ${
      v.tokens.length
        ? html`<ul class="session-list">
          ${v.tokens.map(
            (k) => html`<li class="session-item">
              <div class="session-main">
                <div><strong>${k.name}</strong> <span class="badge ${k.scope === "write" ? "badge-warn" : "badge-info"}">${SCOPE_LABEL[k.scope]}</span></div>
                <div class="muted small">created ${timeTag(ctx.timezone, k.createdAt)} · ${k.lastUsedAt ? html`last used ${timeTag(ctx.timezone, k.lastUsedAt, "relative")}` : "never used"}</div>
              </div>
              <form class="session-revoke" data-own ${action(`/settings/tokens/${k.id}/revoke`)} hx-confirm="Revoke the token “${k.name}”? Scripts using it stop working.">
                <button class="btn btn-small btn-danger" type="submit" aria-label="Revoke ${k.name}">Revoke</button>
              </form>
            </li>`,
          )}
        </ul>`
        : html`<p class="muted small">No tokens yet.</p>`
    }
  </section>`;
}
