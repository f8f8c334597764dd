/** Sign-in, first-run registration and sign-out: the HTML pages and the JSON API (original paths and fields). */
import { Elysia } from "elysia";
import { loginPage } from "../../views/auth/login";
import { registerPage, registrationClosedPage } from "../../views/auth/register";
import { fieldErrors } from "../../views/components/form";
import { AppError } from "../core/errors";
import { htmlResponse } from "../core/html";
import type { AppContext } from "../server/context";
import { type PageContextFactory, safeNext } from "../server/page-context";
import { credentials, loginForm, registerForm } from "./auth.schema";
import type { AuthService } from "./auth.service";
import { clientAddress, SESSION_TTL_SECONDS, type SessionPlugin } from "./session.plugin";

export function authPlugin(ctx: AppContext, auth: AuthService, session: SessionPlugin, page: PageContextFactory) {
  const base = ctx.config.server.base_url;
  const redirect = (location: string, status = 303) => new Response(null, { status, headers: { location } });

  return (
    new Elysia({ name: "auth.routes", seed: ctx.instanceId })
      .use(session)
      // ---- HTML pages
      .get("/login", async (c) => {
        if (!(await auth.hasUsers())) return redirect(`${base}/register`);
        if (await c.session.identify(c as never)) return redirect(safeNext(base, c.query.next));
        return htmlResponse(loginPage(page(c.request, null), { next: c.query.next }));
      })
      .post(
        "/login",
        async (c) => {
          try {
            const user = await auth.login(c.body.username, c.body.password, clientAddress(c as never) ?? "local");
            await c.session.issue(c as never, user, user.sessionVersion);
            return redirect(safeNext(base, c.body.next));
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            const view = loginPage(page(c.request, null), {
              username: c.body.username,
              error: e.message,
              next: c.body.next,
            });
            return htmlResponse(view, { status: e.status });
          }
        },
        { body: loginForm },
      )
      .get("/register", async (c) => {
        if (await auth.hasUsers()) return htmlResponse(registrationClosedPage(page(c.request, null)), { status: 403 });
        return htmlResponse(registerPage(page(c.request, null), {}));
      })
      .post(
        "/register",
        async (c) => {
          const ctxPage = page(c.request, null);
          if (await auth.hasUsers()) return htmlResponse(registrationClosedPage(ctxPage), { status: 403 });
          if (c.body.password !== c.body.confirm) {
            const fields = { confirm: "the passwords do not match" };
            return htmlResponse(registerPage(ctxPage, { username: c.body.username, fieldErrors: fields }), {
              status: 400,
            });
          }
          try {
            const user = await auth.register(c.body.username, c.body.password);
            await c.session.issue(c as never, user, 1);
            return redirect(`${base}/`);
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            if (e.status === 403) return htmlResponse(registrationClosedPage(ctxPage), { status: 403 });
            const { form, fields } = fieldErrors(e);
            const view = registerPage(ctxPage, { username: c.body.username, error: form, fieldErrors: fields });
            return htmlResponse(view, { status: e.status });
          }
        },
        { body: registerForm },
      )
      .post("/logout", (c) => {
        c.session.clear(c);
        return redirect(`${base}/login`);
      })
      // ---- JSON API
      .get("/api/auth/status", async () => ({
        hasUsers: await auth.hasUsers(),
        oidcConfigured: false,
        oidcReady: false,
      }))
      .post(
        "/api/auth/register",
        async (c) => {
          const user = await auth.register(c.body.username, c.body.password);
          await c.session.issue(c as never, user, 1);
          return c.status(201, { message: "registration successful", user });
        },
        { body: credentials },
      )
      .post(
        "/api/auth/login",
        async (c) => {
          const user = await auth.login(c.body.username, c.body.password, clientAddress(c as never) ?? "local");
          const token = await c.session.issue(c as never, user, user.sessionVersion);
          return {
            access_token: token,
            token_type: "Bearer",
            expires_in: SESSION_TTL_SECONDS,
            user: { id: user.id, username: user.username },
          };
        },
        { body: credentials },
      )
      .post(
        "/api/auth/logout",
        (c) => {
          c.session.clear(c);
          return { message: "logged out" };
        },
        { api: true },
      )
      .get("/api/auth/verify", ({ identity }) => ({ message: "authenticated", type: identity.via }), { api: true })
      .get("/api/auth/user", ({ user }) => ({ user }), { api: true })
  );
}
