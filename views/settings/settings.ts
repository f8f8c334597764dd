import { PASSWORD_MIN } from "../../src/auth/auth.schema";
import type { BuildInfo } from "../../src/core/build-info";
import { html } from "../../src/core/html";
import { alert, field } from "../components/form";
import { layout, type PageContext } from "../layout";
import { type SessionsView, sessionsCard } from "./sessions";

export interface SettingsView {
  build: BuildInfo;
  database: string;
  configFile: string | null;
  timezone: string;
  whitelisted: boolean;
  passwordForm: { error?: string; notice?: string; fieldErrors?: Record<string, string> };
  /** Absent for whitelisted visitors, who have no session. */
  sessions?: SessionsView;
}

export function passwordCard(ctx: PageContext, v: SettingsView) {
  const errors = v.passwordForm.fieldErrors ?? {};
  return html`<section class="card" id="password-card" aria-labelledby="password-title">
    <h2 id="password-title">Change password</h2>
    ${
      v.whitelisted
        ? html`<p class="muted">You reached Netronome from a whitelisted address, without signing in, so there is no account to change here.</p>`
        : html`<form class="form" method="post" action="${ctx.base}/settings/password" hx-post="${ctx.base}/settings/password" hx-target="#password-card" hx-swap="outerHTML">
          ${alert("error", v.passwordForm.error)} ${alert("ok", v.passwordForm.notice)}
          ${field({ name: "current", label: "Current password", type: "password", autocomplete: "current-password", required: true, error: errors.current })}
          ${field({ name: "password", label: "New password", type: "password", autocomplete: "new-password", required: true, hint: `At least ${PASSWORD_MIN} characters. Other signed-in browsers are signed out.`, error: errors.password })}
          ${field({ name: "confirm", label: "Confirm new password", type: "password", autocomplete: "new-password", required: true, error: errors.confirm })}
          <div><button class="btn btn-primary" type="submit">Change password</button></div>
        </form>`
    }
  </section>`;
}

export function settingsPage(ctx: PageContext, v: SettingsView) {
  return layout(ctx, {
    title: "Settings",
    content: html`<div class="page-head"><div><h1>Settings</h1><p>Your account, appearance and this installation.</p></div></div>
      <div class="grid grid-2">
        <div class="stack">
          ${passwordCard(ctx, v)}
          ${v.sessions ? sessionsCard(ctx, v.sessions) : ""}
        </div>
        <div class="stack">
          <section class="card" aria-labelledby="theme-title">
            <h2 id="theme-title">Appearance</h2>
            <p class="muted small">The theme follows your system unless you choose one; the choice is kept in this browser.</p>
            <div class="segmented" role="group" aria-label="Theme">
              <button type="button" data-theme-set="system">System</button>
              <button type="button" data-theme-set="light">Light</button>
              <button type="button" data-theme-set="dark">Dark</button>
            </div>
          </section>
          <section class="card" aria-labelledby="notify-title">
            <h2 id="notify-title">Notifications</h2>
            <p class="muted small">Alerts to Discord, Slack, Telegram, ntfy, Gotify, Pushover, Teams, Matrix, email or any webhook, when tests, monitors or agents cross your thresholds.</p>
            <a class="btn" href="${ctx.base}/settings/notifications">Channels, rules and history</a>
          </section>
          <section class="card" aria-labelledby="about-title">
            <h2 id="about-title">About this installation</h2>
            <dl class="facts">
              <dt>Version</dt><dd>${v.build.version}</dd>
              <dt>Commit</dt><dd class="mono">${v.build.commit}</dd>
              <dt>Built</dt><dd>${v.build.buildDate}</dd>
              <dt>Bun</dt><dd>${v.build.bun}</dd>
              <dt>Platform</dt><dd>${v.build.platform}</dd>
              <dt>Database</dt><dd>${v.database}</dd>
              <dt>Config file</dt><dd class="mono">${v.configFile ?? "none (defaults and environment)"}</dd>
              <dt>Timezone</dt><dd>${v.timezone}</dd>
            </dl>
          </section>
        </div>
      </div>`,
  });
}
