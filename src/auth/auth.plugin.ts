/** Sign-in, first-run registration and sign-out: the HTML pages and the JSON API (original paths and fields). */
import { Elysia } from "elysia";
import { loginPage } from "../../views/auth/login";
import { registerPage, registrationClosedPage } from "../../views/auth/register";
import { fieldErrors } from "../../views/components/form";
import { AppError } from "../core/errors";
import { htmlResponse, PreparedPage } from "../core/html";
import type { AppContext } from "../server/context";
import { type PageContextFactory, safeNext } from "../server/page-context";
import { credentials, loginForm, registerForm } from "./auth.schema";
import type { AuthService } from "./auth.service";
import { SESSION_TTL_SECONDS, type SessionPlugin } from "./session.plugin";

/**
 * The sign-in page is one static document: nothing in it depends on the request (where to go afterwards travels in
 * a cookie, see session.plugin.ts), so it is rendered once. It is the busiest public page: when an account exists
 * at start-up, Bun's router serves it without running any JavaScript (see app.ts); otherwise the route below does.
 */
export function signInPage(ctx: AppContext, page: PageContextFactory): PreparedPage {
  const base = ctx.config.server.base_url;
  return new PreparedPage(loginPage(page(new Request(`http://localhost${base}/login`), null), {}));
}

// Handlers destructure their context: Elysia infers what to provide from the parameter list.
export function authPlugin(
  ctx: AppContext,
  auth: AuthService,
  session: SessionPlugin,
  page: PageContextFactory,
  signIn: PreparedPage,
) {
  const base = ctx.config.server.base_url;
  const redirect = (location: string) => new Response(null, { status: 303, headers: { location } });

  return (
    new Elysia({ name: "auth.routes", seed: ctx.instanceId })
      .use(session)
      // ---- HTML pages
      .get("/login", async () => ((await auth.hasUsers()) ? htmlResponse(signIn) : redirect(`${base}/register`)))
      .post(
        "/login",
        async ({ jwt, cookie, headers, request, server, body, sessions }) => {
          const io = { jwt, cookie, headers, request, server };
          try {
            const user = await auth.login(body.username, body.password, sessions.clientKey(io));
            await sessions.issue(io, user, user.sessionVersion);
            const remembered = sessions.takeNext(cookie);
            return redirect(safeNext(base, body.next ?? remembered));
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            const view = loginPage(page(request, null), { username: body.username, error: e.message, next: body.next });
            return htmlResponse(view, { status: e.status });
          }
        },
        { body: loginForm },
      )
      .get("/register", async ({ request }) => {
        if (await auth.hasUsers()) return htmlResponse(registrationClosedPage(page(request, null)), { status: 403 });
        return htmlResponse(registerPage(page(request, null), {}));
      })
      .post(
        "/register",
        async ({ jwt, cookie, headers, request, server, body, sessions }) => {
          const pageCtx = page(request, null);
          if (await auth.hasUsers()) return htmlResponse(registrationClosedPage(pageCtx), { status: 403 });
          if (body.password !== body.confirm) {
            const view = registerPage(pageCtx, {
              username: body.username,
              fieldErrors: { confirm: "the passwords do not match" },
            });
            return htmlResponse(view, { status: 400 });
          }
          try {
            const user = await auth.register(body.username, body.password);
            await sessions.issue({ jwt, cookie, headers, request, server }, user, 1);
            return redirect(`${base}/`);
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            if (e.status === 403) return htmlResponse(registrationClosedPage(pageCtx), { status: 403 });
            const { form, fields } = fieldErrors(e);
            const view = registerPage(pageCtx, { username: body.username, error: form, fieldErrors: fields });
            return htmlResponse(view, { status: e.status });
          }
        },
        { body: registerForm },
      )
      .post("/logout", ({ cookie, sessions }) => {
        sessions.clear(cookie);
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
        async ({ jwt, cookie, headers, request, server, body, sessions, status }) => {
          const user = await auth.register(body.username, body.password);
          await sessions.issue({ jwt, cookie, headers, request, server }, user, 1);
          return status(201, { message: "registration successful", user });
        },
        { body: credentials },
      )
      .post(
        "/api/auth/login",
        async ({ jwt, cookie, headers, request, server, body, sessions }) => {
          const io = { jwt, cookie, headers, request, server };
          const user = await auth.login(body.username, body.password, sessions.clientKey(io));
          const token = await sessions.issue(io, user, user.sessionVersion);
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
        ({ cookie, sessions }) => {
          sessions.clear(cookie);
          return { message: "logged out" };
        },
        { api: true },
      )
      .get("/api/auth/verify", ({ identity }) => ({ message: "authenticated", type: identity.via }), { api: true })
      .get("/api/auth/user", ({ user }) => ({ user }), { api: true })
  );
}
