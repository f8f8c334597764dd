/** The pages the errors hook answers with: 404 and every other failure, in the full layout when signed in. */
import { html } from "../../src/core/html";
import { bareLayout, layout, type PageContext } from "../layout";

export function notFoundPage(ctx: PageContext) {
  const content = html`<div class="card empty">
    <h1>Page not found</h1>
    <p>There is nothing at <code>${ctx.base}${ctx.path}</code>.</p>
    <a class="btn btn-primary" href="${ctx.base}/">Back to the dashboard</a>
  </div>`;
  return ctx.user ? layout(ctx, { title: "Not found", content }) : bareLayout(ctx, { title: "Not found", content });
}

export function errorPage(ctx: PageContext, status: number, message: string) {
  const content = html`<div class="empty">
    <h1>${status >= 500 ? "Something went wrong" : "Request failed"}</h1>
    <p>${message}</p>
    <a class="btn btn-primary" href="${ctx.base}/">Back to the dashboard</a>
  </div>`;
  return ctx.user ? layout(ctx, { title: "Error", content }) : bareLayout(ctx, { title: "Error", content });
}
