/**
 * Route protection: every protected route opts into the `api` macro (JSON, 401 without a session) or the `page`
 * macro (HTML, sent to sign in). The identity is settled before the body is read: routes that take a body check it
 * in their first `parse` hook, which then reads the body within the route's limit (server/body.ts); routes without
 * a body check it in `transform`. Nothing here relies on Elysia providing more than the request.
 */
import { Elysia } from "elysia";
import { Redirect, Unauthorized } from "../core/errors";
import { type BodyKind, readBody } from "../server/body";
import type { AppContext } from "../server/context";
import type { Identity, IdentityResolver } from "./identity";
import { nextCookie } from "./session-cookies";
import type { SignIns } from "./sign-ins";

export function sessionPlugin(
  ctx: AppContext,
  deps: { identify: IdentityResolver; signIns: SignIns; hasUsers: () => Promise<boolean> },
) {
  const base = ctx.config.server.base_url;
  const loginUrl = `${base}/login`;
  const { identify, signIns } = deps;

  const resolved = async (request: Request) => {
    const identity = (await identify(request)) as Identity;
    return { user: identity.user, identity };
  };

  const requireApi = async (request: Request) => {
    if (!(await identify(request))) throw new Unauthorized();
  };

  /** Anonymous visitors of a page go to sign in (or, before the first account exists, to registration). */
  const requirePage = async (request: Request) => {
    if (await identify(request)) return;
    const scope = signIns.cookieScope(request);
    // htmx follows HX-Redirect with a full navigation; its 204 is never swapped into the page. The page to come
    // back to is the one the request came from.
    if (request.headers.get("hx-request")) {
      const from = URL.parse(request.headers.get("hx-current-url") ?? "");
      const own = from && from.host === scope.host;
      const cookie = own ? nextCookie(scope, from.pathname + from.search) : null;
      throw new Redirect(loginUrl, { htmx: true, cookies: cookie ? [cookie] : [] });
    }
    if (!(await deps.hasUsers())) throw new Redirect(`${base}/register`);
    const { pathname, search } = new URL(request.url);
    // Only a page can be returned to; a form posted with an expired session is not repeated.
    const cookie = request.method === "GET" ? nextCookie(scope, pathname + search) : null;
    throw new Redirect(loginUrl, { cookies: cookie ? [cookie] : [] });
  };

  const guard = (require: (request: Request) => Promise<void>, body: BodyKind) => ({
    parse: async ({ request }: { request: Request }) => {
      await require(request);
      return readBody(request, body);
    },
    transform: ({ request }: { request: Request }) => require(request),
    resolve: ({ request }: { request: Request }) => resolved(request),
  });

  return new Elysia({ name: "auth.session", seed: ctx.instanceId }).macro({
    /** JSON routes: 401 without a valid session; JSON bodies within BODY_KINDS.json. */
    api: guard(requireApi, "json"),
    /** HTML routes: the sign-in page (or first-run registration) instead of an error; form bodies. */
    page: guard(requirePage, "form"),
  });
}

export type SessionPlugin = ReturnType<typeof sessionPlugin>;
