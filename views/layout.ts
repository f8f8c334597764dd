/** The shared page shell: head, top bar with navigation, theme toggle and account menu. */
import type { SessionUser } from "../src/auth/auth.service";
import { html, type SafeHtml } from "../src/core/html";
import { type AssetName, assetPath } from "../src/server/assets";
import { STYLESHEET_NAMES } from "../src/server/stylesheets";
import { icons } from "./icons";

export interface PageContext {
  /** The configured base URL ("" or "/sub"); every link carries it. */
  readonly base: string;
  readonly user: SessionUser | null;
  /** Request path without the base, used to mark the current navigation entry. */
  readonly path: string;
  readonly version: string;
  /** The configured [server] timezone: every time on the pages is shown in it. */
  readonly timezone: string;
}

interface NavItem {
  readonly href: string;
  readonly label: string;
}

const NAV: readonly NavItem[] = [
  { href: "/", label: "Dashboard" },
  { href: "/speedtest", label: "Speed Test" },
  { href: "/traceroute", label: "Traceroute" },
  { href: "/monitors", label: "Monitors" },
  { href: "/agents", label: "Agents" },
  { href: "/settings", label: "Settings" },
];

const asset = (ctx: Pick<PageContext, "base">, name: AssetName) => `${ctx.base}${assetPath(name)}`;

function isCurrent(item: NavItem, path: string): boolean {
  return item.href === "/" ? path === "/" : path === item.href || path.startsWith(`${item.href}/`);
}

/**
 * The document head. Interactive pages load htmx, its SSE extension, app.js, their own scripts and Alpine; plain
 * pages (`scripts: null`: sign-in, registration, errors before login) are forms and links that need only the theme.
 *
 * htmx is the one script run while the page is parsed: it then starts (processes the page, connects the event
 * stream, fires `load` requests) at DOMContentLoaded, after every deferred script has run and Alpine has started.
 * Deferred, it starts on a timer that can fire between two deferred scripts: before hx-sse.js (the stream never
 * connected) or before app.js and the Alpine components listen (the stream's snapshot and stream-ready were lost).
 */
function head(ctx: PageContext, title: string, scripts: readonly AssetName[] | null, own?: AssetName): SafeHtml {
  return html`<head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>${title} · Netronome</title>
    <link rel="icon" href="${asset(ctx, "logo.svg")}" type="image/svg+xml" />
    ${STYLESHEET_NAMES.map((name) => html`<link rel="stylesheet" href="${asset(ctx, name)}" />`)}
    <script src="${asset(ctx, "theme.js")}"></script>
    ${own ? html`<script defer src="${asset(ctx, own)}"></script>` : ""}
    ${
      scripts &&
      html`<meta name="htmx-config" content='{"noSwap":[204,304]}' />
        <script type="module" src="${asset(ctx, "units.js")}"></script>
        <script src="${asset(ctx, "htmx.js")}"></script>
        <script defer src="${asset(ctx, "hx-sse.js")}"></script>
        <script defer src="${asset(ctx, "app.js")}"></script>
        ${scripts.map((s) => html`<script defer src="${asset(ctx, s)}"></script>`)}
        <script defer src="${asset(ctx, "alpine.js")}"></script>`
    }
  </head>`;
}

export const themeToggle = html`<button type="button" class="btn btn-icon" data-theme-toggle title="Switch light or dark theme" aria-label="Switch light or dark theme">
  <span class="theme-moon">${icons.moon}</span><span class="theme-sun">${icons.sun}</span>
</button>`;

export function layout(
  ctx: PageContext,
  opts: {
    title: string;
    content: SafeHtml;
    /** The page's own scripts; they run after app.js and before Alpine starts. */
    scripts?: readonly AssetName[];
    live?: boolean;
  },
): SafeHtml {
  const renderedAt = Date.now();
  return html`<html lang="en">
    ${head(ctx, opts.title, opts.scripts ?? [])}
    <body data-base="${ctx.base}" data-timezone="${ctx.timezone}" data-rendered-at="${renderedAt}"${ctx.user ? html` data-role="${ctx.user.role}"` : ""}>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="topbar">
        <div class="topbar-inner">
          <a class="brand" href="${ctx.base}/">${icons.logo}<span>Netronome</span></a>
          <nav class="nav" aria-label="Main">
            ${NAV.map(
              (item) =>
                html`<a href="${ctx.base}${item.href}" ${isCurrent(item, ctx.path) ? html`aria-current="page"` : ""}>${item.label}</a>`,
            )}
          </nav>
          <div class="topbar-actions">
            ${themeToggle}
            ${
              ctx.user
                ? html`<span class="user-name" title="Signed in as ${ctx.user.username}">${ctx.user.username}</span>
                  <form method="post" action="${ctx.base}/logout" data-own>
                    <button class="btn btn-icon" type="submit" title="Sign out" aria-label="Sign out">${icons.logout}</button>
                  </form>`
                : ""
            }
          </div>
        </div>
      </header>
      <main id="main" class="container">
        ${
          // Viewers never see controls that would change something (layout.css hides them), and are told why.
          ctx.user?.role === "viewer"
            ? html`<p class="alert alert-info viewer-note">You are signed in as a viewer: you can look at everything, but only an admin can change it.</p>`
            : ""
        }
        ${opts.content}
      </main>
      ${
        // One event stream per page: named events reach Alpine (x-on:*.window) and htmx triggers (from:body).
        // `since`: the stream tells the page whether anything happened after it was rendered (app.js resyncs).
        opts.live ? html`<div hx-sse:connect="${ctx.base}/events?since=${renderedAt}" hx-swap="none" hidden></div>` : ""
      }
      <footer class="footer">Netronome ${ctx.version}</footer>
    </body>
  </html>`;
}

/**
 * A centred single-card page without navigation (sign-in, first-run registration, errors before login), with at
 * most one small script of its own.
 */
export function bareLayout(
  ctx: PageContext,
  opts: { title: string; content: SafeHtml; script?: AssetName | undefined },
): SafeHtml {
  return html`<html lang="en">
    ${head(ctx, opts.title, null, opts.script)}
    <body data-base="${ctx.base}">
      <main id="main" class="auth-page">
        <div class="theme-corner">${themeToggle}</div>
        <div class="card auth-card">
          <a class="brand" href="${ctx.base}/">${icons.logo}<span>Netronome</span></a>
          ${opts.content}
        </div>
      </main>
      <footer class="footer">Netronome ${ctx.version}</footer>
    </body>
  </html>`;
}
