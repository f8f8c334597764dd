import { html } from "../../src/core/html";
import { alert, field } from "../components/form";
import { bareLayout, type PageContext } from "../layout";

export function loginPage(ctx: PageContext, o: { username?: string; error?: string; notice?: string; next?: string }) {
  return bareLayout(ctx, {
    title: "Sign in",
    content: html`<h1>Sign in</h1>
      <p class="lead">Network tests and monitors, on your own hardware.</p>
      <form class="form" method="post" action="${ctx.base}/login">
        ${alert("error", o.error)} ${alert("ok", o.notice)}
        ${o.next ? html`<input type="hidden" name="next" value="${o.next}" />` : ""}
        ${field({ name: "username", label: "Username", value: o.username, autocomplete: "username", required: true, autofocus: !o.username })}
        ${field({ name: "password", label: "Password", type: "password", autocomplete: "current-password", required: true, autofocus: Boolean(o.username) })}
        <button class="btn btn-primary" type="submit">Sign in</button>
      </form>`,
  });
}
