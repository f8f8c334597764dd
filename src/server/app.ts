/**
 * The route map on one screen: every feature plugin, and which of them are
 * public. Services are wired here, once.
 */
import { Elysia } from "elysia";
import { authPlugin } from "../auth/auth.plugin";
import { createAuthRepository } from "../auth/auth.repository";
import { createAuthService } from "../auth/auth.service";
import { LoginThrottle } from "../auth/login-throttle";
import { sessionPlugin } from "../auth/session.plugin";
import { dashboardPlugin } from "../dashboard/dashboard.plugin";
import { settingsPlugin } from "../settings/settings.plugin";
import { assetsPlugin } from "./assets";
import type { AppContext } from "./context";
import { errorsPlugin } from "./errors.plugin";
import { healthPlugin } from "./health.plugin";
import { pageContextFactory } from "./page-context";
import { securityHeaders } from "./security-headers";

export async function createApp(ctx: AppContext) {
  const auth = createAuthService(createAuthRepository(ctx.db), new LoginThrottle());
  const secret = await auth.sessionSecret(ctx.config.session.session_secret);
  const session = sessionPlugin(ctx, auth, secret);
  const page = pageContextFactory(ctx);

  const app = new Elysia({ prefix: ctx.config.server.base_url })
    .use(errorsPlugin(ctx, page))
    .use(securityHeaders)
    // Public: assets, health, sign-in and first-run registration (auth.routes marks its own protected API routes).
    .use(assetsPlugin)
    .use(healthPlugin(ctx))
    .use(authPlugin(ctx, auth, session, page))
    // Everything below requires a session: each route opts into the `page` or `api` guard.
    .use(dashboardPlugin(ctx, session, page))
    .use(settingsPlugin(ctx, auth, session, page));

  return { app, services: { auth } };
}

export type App = Awaited<ReturnType<typeof createApp>>["app"];
