import { PASSWORD_MIN } from "../../src/auth/auth.schema";
import { html } from "../../src/core/html";
import { alert, field } from "../components/form";
import { bareLayout, type PageContext } from "../layout";
import { ssoBlock } from "./login";

export function registerPage(
  ctx: PageContext,
  o: { username?: string; error?: string; fieldErrors?: Record<string, string>; sso?: string | undefined },
) {
  const errors = o.fieldErrors ?? {};
  return bareLayout(ctx, {
    title: "Create your account",
    script: o.sso ? "sign-in.js" : undefined,
    content: html`<h1>Welcome to Netronome</h1>
      <p class="lead">This is the first start. Create the administrator account; registration closes once it exists.</p>
      ${o.sso ? html`<p class="muted small">Or sign in with single sign-on: the first account to sign in becomes the administrator.</p>` : ""}
      ${ssoBlock(ctx, { password: true, sso: o.sso })}
      <form class="form" method="post" action="${ctx.base}/register">
        ${alert("error", o.error)}
        ${field({ name: "username", label: "Username", value: o.username, autocomplete: "username", required: true, autofocus: true, error: errors.username })}
        ${field({ name: "password", label: "Password", type: "password", autocomplete: "new-password", required: true, hint: `At least ${PASSWORD_MIN} characters.`, error: errors.password })}
        ${field({ name: "confirm", label: "Confirm password", type: "password", autocomplete: "new-password", required: true, error: errors.confirm })}
        <button class="btn btn-primary" type="submit">Create account</button>
      </form>`,
  });
}

export function registrationClosedPage(ctx: PageContext) {
  return bareLayout(ctx, {
    title: "Registration closed",
    content: html`<h1>Registration is closed</h1>
      <p class="lead">An account already exists. Sign in with it, or ask its owner to add you with
        <code>netronome create-user</code>.</p>
      <a class="btn btn-primary" href="${ctx.base}/login">Go to sign in</a>`,
  });
}
