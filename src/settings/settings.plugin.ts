/** The Settings page: change password, sessions, theme, and facts about this installation. */
import { Elysia } from "elysia";
import { fieldErrors } from "../../views/components/form";
import { sessionsCard } from "../../views/settings/sessions";
import { passwordCard, type SettingsView, settingsPage } from "../../views/settings/settings";
import { changePasswordForm, sessionParams } from "../auth/auth.schema";
import type { AuthService } from "../auth/auth.service";
import type { Identity } from "../auth/identity";
import type { SessionPlugin } from "../auth/session.plugin";
import type { SessionsService } from "../auth/sessions.service";
import type { SignIns } from "../auth/sign-ins";
import { AppError, BadInput, Redirect } from "../core/errors";
import { fragmentResponse, html, htmlResponse } from "../core/html";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";

export function settingsPlugin(
  ctx: AppContext,
  deps: {
    auth: AuthService;
    sessions: SessionsService;
    signIns: SignIns;
    session: SessionPlugin;
    page: PageContextFactory;
  },
) {
  const { auth, sessions, signIns, page } = deps;
  const base = ctx.config.server.base_url;
  const database =
    ctx.db.dialect === "sqlite"
      ? `SQLite (${ctx.config.database.path})`
      : `PostgreSQL (${ctx.config.database.host}:${ctx.config.database.port}/${ctx.config.database.dbname})`;

  const view = async (
    identity: Identity,
    forms: { passwordForm?: SettingsView["passwordForm"]; sessionsNotice?: string } = {},
  ): Promise<SettingsView> => ({
    build: ctx.build,
    database,
    configFile: ctx.loaded.file,
    timezone: ctx.config.server.timezone,
    whitelisted: identity.via === "whitelist",
    passwordForm: forms.passwordForm ?? {},
    sessions:
      identity.via === "session"
        ? {
            sessions: await sessions.list(identity.user.id),
            currentId: identity.sessionId,
            notice: forms.sessionsNotice,
          }
        : undefined,
  });

  const NO_SESSION = "no sessions to manage: signed in by whitelist";

  /** After a change to the sessions: the card for htmx, the whole page (via a redirect) for a plain form. */
  const sessionsChanged = async (request: Request, identity: Identity, notice: string) => {
    if (!request.headers.get("hx-request"))
      return new Response(null, { status: 303, headers: { location: `${base}/settings` } });
    const v = await view(identity, { sessionsNotice: notice });
    return fragmentResponse(sessionsCard(page(request, identity.user), v.sessions!));
  };

  return new Elysia({ name: "settings", seed: ctx.instanceId })
    .use(deps.session)
    .get(
      "/settings",
      async ({ request, user, identity }) => htmlResponse(settingsPage(page(request, user), await view(identity))),
      { page: true },
    )
    .post(
      "/settings/password",
      async ({ request, headers, body, user, identity }) => {
        const pageCtx = page(request, user);
        const render = async (passwordForm: SettingsView["passwordForm"], status = 200) => {
          const v = await view(identity, { passwordForm });
          if (!headers["hx-request"]) return htmlResponse(settingsPage(pageCtx, v), { status });
          // The sessions card changes too (other sessions end): htmx places it with an hx-partial.
          const sessionsPartial = v.sessions
            ? html`<hx-partial hx-target="#sessions-card" hx-swap="outerHTML">${sessionsCard(pageCtx, v.sessions)}</hx-partial>`
            : "";
          return fragmentResponse(html`${passwordCard(pageCtx, v)}${sessionsPartial}`, { status });
        };
        if (identity.via === "whitelist") return render({ error: "no account to change: signed in by whitelist" }, 400);
        try {
          await auth.changeOwnPassword({ userId: user.id, ...body }, signIns.source(request), identity.sessionId);
          return render({ notice: "Password changed. Other sessions have been signed out." });
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          const { form, fields } = fieldErrors(e);
          return render({ error: form, fieldErrors: fields }, e.status);
        }
      },
      { page: true, body: changePasswordForm },
    )
    .post(
      "/settings/sessions/:id/revoke",
      async ({ request, params, identity }) => {
        if (identity.via !== "session") throw new BadInput(NO_SESSION);
        if (params.id === identity.sessionId) {
          // Signing this browser out: on to the sign-in page, as the Sign out button does.
          const cookie = await signIns.end(request, identity);
          throw new Redirect(`${base}/login`, { htmx: Boolean(request.headers.get("hx-request")), cookies: [cookie] });
        }
        const revoked = await sessions.revoke(identity.user.id, params.id);
        return sessionsChanged(
          request,
          identity,
          revoked ? "The session was signed out." : "That session had already ended.",
        );
      },
      { page: true, params: sessionParams },
    )
    .post(
      "/settings/sessions/revoke-others",
      async ({ request, identity }) => {
        if (identity.via !== "session") throw new BadInput(NO_SESSION);
        const n = await sessions.revokeAll(identity.user.id, identity.sessionId);
        return sessionsChanged(request, identity, `${n} other session${n === 1 ? "" : "s"} signed out.`);
      },
      { page: true },
    );
}
