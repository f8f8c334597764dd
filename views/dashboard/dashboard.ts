import { html } from "../../src/core/html";
import { layout, type PageContext } from "../layout";

export interface DashboardView {
  database: string;
  uptime: string;
}

export function dashboardPage(ctx: PageContext, v: DashboardView) {
  return layout(ctx, {
    title: "Dashboard",
    content: html`<div class="page-head"><div><h1>Dashboard</h1><p>Welcome${ctx.user ? html`, ${ctx.user.username}` : ""}.</p></div></div>
      <div class="grid grid-4">
        <section class="card stat"><span class="stat-label">Status</span><span class="stat-value">Running</span><span class="muted small">up ${v.uptime}</span></section>
        <section class="card stat"><span class="stat-label">Database</span><span class="stat-value">${v.database}</span></section>
        <section class="card stat"><span class="stat-label">Version</span><span class="stat-value">${ctx.version}</span></section>
      </div>`,
  });
}
