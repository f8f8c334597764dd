import { OIDC_ERRORS } from "../../src/auth/oidc/oidc.errors";
import { html } from "../../src/core/html";
import { alert, field } from "../components/form";
import { bareLayout, type PageContext } from "../layout";

/** How this installation signs people in: fixed by the configuration, so the sign-in page can be prepared once. */
export interface SignInOptions {
  /** `[auth] password_login`. */
  password: boolean;
  /** The single sign-on provider's name, when `[oidc]` is configured. */
  sso?: string;
}

/**
 * The button to the provider, and the sentences for `?error=<code>` after a failed single sign-on: all of them are
 * in the document, hidden, and sign-in.js shows the one the address names (the page itself never varies).
 */
export function ssoBlock(ctx: PageContext, o: SignInOptions) {
  if (!o.sso) return html``;
  return html`<div class="sso">
    ${Object.entries(OIDC_ERRORS).map(
      ([code, sentence]) =>
        html`<div class="alert alert-error" role="alert" data-sso-error="${code}" hidden>${sentence}</div>`,
    )}
    <a class="btn btn-primary btn-sso" href="${ctx.base}/login/sso">Sign in with ${o.sso}</a>
    ${o.password ? html`<p class="sso-or muted small"><span>or with your password</span></p>` : ""}
  </div>`;
}

export function loginPage(
  ctx: PageContext,
  o: SignInOptions & { username?: string; error?: string; notice?: string; next?: string },
) {
  return bareLayout(ctx, {
    title: "Sign in",
    script: o.sso ? "sign-in.js" : undefined,
    content: html`<h1>Sign in</h1>
      <p class="lead">Network tests and monitors, on your own hardware.</p>
      ${ssoBlock(ctx, o)}
      ${
        o.password
          ? html`<form class="form" method="post" action="${ctx.base}/login">
        ${alert("error", o.error)} ${alert("ok", o.notice)}
        ${o.next ? html`<input type="hidden" name="next" value="${o.next}" />` : ""}
        ${field({ name: "username", label: "Username", value: o.username, autocomplete: "username", required: true, autofocus: !o.username && !o.sso })}
        ${field({ name: "password", label: "Password", type: "password", autocomplete: "current-password", required: true, autofocus: Boolean(o.username) })}
        <button class="btn ${o.sso ? "" : "btn-primary "}btn-block" type="submit">Sign in</button>
      </form>`
          : alert("error", o.error)
      }`,
  });
}
