/** The Settings page: change password, theme, and facts about this installation. */
import { Elysia } from "elysia";
import { fieldErrors } from "../../views/components/form";
import { passwordCard, type SettingsView, settingsPage } from "../../views/settings/settings";
import { changePasswordForm } from "../auth/auth.schema";
import type { AuthService } from "../auth/auth.service";
import type { SessionPlugin } from "../auth/session.plugin";
import { AppError } from "../core/errors";
import { fragmentResponse, htmlResponse } from "../core/html";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";

export function settingsPlugin(ctx: AppContext, auth: AuthService, session: SessionPlugin, page: PageContextFactory) {
  const database =
    ctx.db.dialect === "sqlite"
      ? `SQLite (${ctx.config.database.path})`
      : `PostgreSQL (${ctx.config.database.host}:${ctx.config.database.port}/${ctx.config.database.dbname})`;
  const view = (whitelisted: boolean, passwordForm: SettingsView["passwordForm"] = {}): SettingsView => ({
    build: ctx.build,
    database,
    configFile: ctx.loaded.file,
    timezone: ctx.config.server.timezone,
    whitelisted,
    passwordForm,
  });

  return new Elysia({ name: "settings", seed: ctx.instanceId })
    .use(session)
    .get(
      "/settings",
      ({ request, user, identity }) =>
        htmlResponse(settingsPage(page(request, user), view(identity.via === "whitelist"))),
      {
        page: true,
      },
    )
    .post(
      "/settings/password",
      async ({ jwt, cookie, headers, request, server, body, user, identity, sessions }) => {
        const pageCtx = page(request, user);
        const isHtmx = Boolean(headers["hx-request"]);
        const render = (form: SettingsView["passwordForm"], status = 200) =>
          isHtmx
            ? fragmentResponse(passwordCard(pageCtx, view(false, form)), { status })
            : htmlResponse(settingsPage(pageCtx, view(false, form)), { status });
        if (identity.via === "whitelist") return render({ error: "no account to change: signed in by whitelist" }, 400);
        try {
          const version = await auth.changeOwnPassword(user.id, body.current, body.password, body.confirm);
          await sessions.issue({ jwt, cookie, headers, request, server }, user, version);
          return render({ notice: "Password changed. Other sessions have been signed out." });
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          const { form, fields } = fieldErrors(e);
          return render({ error: form, fieldErrors: fields }, e.status);
        }
      },
      { page: true, body: changePasswordForm },
    );
}
