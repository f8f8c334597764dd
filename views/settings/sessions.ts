/** The Settings card listing the signed-in user's sessions, each with a button that signs it out. */
import type { SessionRow } from "../../src/auth/sessions.repository";
import { html } from "../../src/core/html";
import { alert } from "../components/form";
import { timeTag } from "../components/format";
import type { PageContext } from "../layout";

export interface SessionsView {
  sessions: readonly SessionRow[];
  /** The session of the request showing the page, marked and listed first. */
  currentId: number | undefined;
  notice?: string;
}

const BROWSERS: readonly [RegExp, string][] = [
  [/Edg\/(\d+)/, "Edge"],
  [/OPR\/(\d+)/, "Opera"],
  [/(?:Firefox|FxiOS)\/(\d+)/, "Firefox"],
  [/(?:Chrom(?:e|ium)|CriOS)\/(\d+)/, "Chrome"],
  [/Version\/(\d+)[\d.]* .*Safari\//, "Safari"],
  [/^curl\/([\d.]+)/, "curl"],
];
const SYSTEMS: readonly [RegExp, string][] = [
  [/Android/, "Android"],
  [/iPhone|iPad/, "iOS"],
  [/Mac OS X/, "macOS"],
  [/Windows/, "Windows"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

/** "Firefox 140 on Linux" from a User-Agent header, or the header itself (shortened) when it is not a browser's. */
export function describeUserAgent(ua: string | null): string {
  if (!ua) return "Unknown client";
  const browser = BROWSERS.find(([re]) => re.test(ua));
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (!browser) return ua.length > 60 ? `${ua.slice(0, 59)}…` : ua;
  const name = `${browser[1]} ${ua.match(browser[0])![1]}`;
  return system ? `${name} on ${system}` : name;
}

export function sessionsCard(ctx: PageContext, v: SessionsView) {
  const sessions = [...v.sessions].sort((a, b) => Number(b.id === v.currentId) - Number(a.id === v.currentId));
  const others = sessions.filter((s) => s.id !== v.currentId).length;
  return html`<section class="card" id="sessions-card" aria-labelledby="sessions-title">
    <div class="card-head">
      <h2 id="sessions-title">Sessions</h2>
      ${
        others > 0
          ? html`<form method="post" action="${ctx.base}/settings/sessions/revoke-others" hx-post="${ctx.base}/settings/sessions/revoke-others" hx-target="#sessions-card" hx-swap="outerHTML" hx-confirm="Sign out every other session?">
            <button class="btn btn-small" type="submit">Sign out everywhere else</button>
          </form>`
          : ""
      }
    </div>
    ${alert("ok", v.notice)}
    <p class="muted small">Browsers and scripts signed in to your account. Signing one out takes effect on its next request.</p>
    <ul class="session-list">
      ${sessions.map(
        (s) => html`<li class="session-item">
          <div class="session-main">
            <div><strong title="${s.userAgent ?? ""}">${describeUserAgent(s.userAgent)}</strong>
              ${s.id === v.currentId ? html`<span class="badge badge-ok">this session</span>` : ""}
              ${s.method === "oidc" ? html`<span class="badge badge-info">single sign-on</span>` : ""}</div>
            <div class="muted small">
              <span class="mono">${s.clientAddress ?? "address unknown"}</span> ·
              signed in ${timeTag(ctx.timezone, s.createdAt)} · last active ${timeTag(ctx.timezone, s.lastSeenAt, "relative")}
            </div>
          </div>
          <form class="session-revoke" method="post" action="${ctx.base}/settings/sessions/${s.id}/revoke" hx-post="${ctx.base}/settings/sessions/${s.id}/revoke" hx-target="#sessions-card" hx-swap="outerHTML">
            <button class="btn btn-small${s.id === v.currentId ? "" : " btn-danger"}" type="submit" aria-label="Sign out ${describeUserAgent(s.userAgent)}${s.id === v.currentId ? " (this session)" : ""}">Sign out</button>
          </form>
        </li>`,
      )}
    </ul>
  </section>`;
}
