/** Sign-in, first-run registration and sign-out: the HTML pages and the JSON API (original paths and fields). */
import { Elysia } from "elysia";
import { loginPage } from "../../views/auth/login";
import { registerPage, registrationClosedPage } from "../../views/auth/register";
import { fieldErrors } from "../../views/components/form";
import { AppError } from "../core/errors";
import { htmlResponse, PreparedPage } from "../core/html";
import type { Logger } from "../core/log";
import { publicBody } from "../server/body";
import type { AppContext } from "../server/context";
import { type PageContextFactory, safeNext } from "../server/page-context";
import { credentials, loginForm, registerForm } from "./auth.schema";
import type { AuthService, SessionUser } from "./auth.service";
import type { SessionPlugin } from "./session.plugin";
import { withCookies } from "./session-cookies";
import type { SignIns } from "./sign-ins";

/**
 * The sign-in page is one static document: nothing in it depends on the request (where to go afterwards travels in
 * a cookie, see session-cookies.ts), so it is rendered once. It is the busiest public page: when an account exists
 * at start-up, Bun's router serves it without running any JavaScript (see app.ts); otherwise the route below does.
 */
export function signInPage(ctx: AppContext, page: PageContextFactory): PreparedPage {
  const base = ctx.config.server.base_url;
  return new PreparedPage(loginPage(page(new Request(`http://localhost${base}/login`), null), {}));
}

const redirect = (location: string) => new Response(null, { status: 303, headers: { location } });

export function authPlugin(
  ctx: AppContext,
  deps: { auth: AuthService; signIns: SignIns; session: SessionPlugin; page: PageContextFactory; signIn: PreparedPage },
) {
  const { auth, signIns, session, page } = deps;
  const base = ctx.config.server.base_url;
  const log: Logger = ctx.log.child("auth");

  /** Checks the password and starts a session; failures are logged with the client address (for fail2ban). */
  const passwordSignIn = async (request: Request, username: string | undefined, password: string | undefined) => {
    let user: SessionUser;
    try {
      user = await auth.login(username, password, signIns.source(request));
    } catch (e) {
      if (e instanceof AppError && (e.status === 401 || e.status === 429))
        log.warn("sign-in refused", {
          username: username?.slice(0, 64),
          source: signIns.source(request),
          status: e.status,
        });
      throw e;
    }
    return { user, ...(await signIns.start(request, user, "password")) };
  };

  return (
    new Elysia({ name: "auth.routes", seed: ctx.instanceId })
      .use(session)
      // ---- HTML pages
      .get("/login", async () => ((await auth.hasUsers()) ? htmlResponse(deps.signIn) : redirect(`${base}/register`)))
      .post(
        "/login",
        async ({ request, body }) => {
          try {
            const { cookie } = await passwordSignIn(request, body.username, body.password);
            const remembered = signIns.takeNext(request);
            return withCookies(redirect(safeNext(base, body.next ?? remembered.next)), [cookie, remembered.cookie]);
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            const view = loginPage(page(request, null), { username: body.username, error: e.message, next: body.next });
            return htmlResponse(view, { status: e.status });
          }
        },
        { parse: publicBody("form"), body: loginForm },
      )
      .get("/register", async ({ request }) => {
        if (await auth.hasUsers()) return htmlResponse(registrationClosedPage(page(request, null)), { status: 403 });
        return htmlResponse(registerPage(page(request, null), {}));
      })
      .post(
        "/register",
        async ({ request, body }) => {
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
            const { cookie } = await signIns.start(request, user, "password");
            return withCookies(redirect(`${base}/`), [cookie]);
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            if (e.status === 403) return htmlResponse(registrationClosedPage(pageCtx), { status: 403 });
            const { form, fields } = fieldErrors(e);
            const view = registerPage(pageCtx, { username: body.username, error: form, fieldErrors: fields });
            return htmlResponse(view, { status: e.status });
          }
        },
        { parse: publicBody("form"), body: registerForm },
      )
      .post(
        "/logout",
        async ({ request, identity }) => withCookies(redirect(`${base}/login`), [await signIns.end(request, identity)]),
        { page: true },
      )
      // ---- JSON API
      .get("/api/auth/status", async () => ({
        hasUsers: await auth.hasUsers(),
        oidcConfigured: false,
        oidcReady: false,
      }))
      .post(
        "/api/auth/register",
        async ({ request, body }) => {
          const user = await auth.register(body.username, body.password);
          const { cookie } = await signIns.start(request, user, "password");
          return withCookies(Response.json({ message: "registration successful", user }, { status: 201 }), [cookie]);
        },
        { parse: publicBody("credentials"), body: credentials },
      )
      .post(
        "/api/auth/login",
        async ({ request, body }) => {
          const { user, token, expiresIn, cookie } = await passwordSignIn(request, body.username, body.password);
          const json = { access_token: token, token_type: "Bearer", expires_in: expiresIn, user };
          return withCookies(Response.json(json), [cookie]);
        },
        { parse: publicBody("credentials"), body: credentials },
      )
      .post(
        "/api/auth/logout",
        async ({ request, identity }) =>
          withCookies(Response.json({ message: "logged out" }), [await signIns.end(request, identity)]),
        { api: true },
      )
      .get("/api/auth/verify", ({ identity }) => ({ message: "authenticated", type: identity.via }), { api: true })
      .get("/api/auth/user", ({ user }) => ({ user }), { api: true })
  );
}
