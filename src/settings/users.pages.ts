/** Settings → Users (admins only): the page and its htmx actions, each re-rendering #users with its outcome. */
import { Elysia } from "elysia";
import { fieldErrors } from "../../views/components/form";
import { type UsersView, usersFragment, usersPage } from "../../views/settings/users";
import type { Identity } from "../auth/identity";
import type { SessionPlugin } from "../auth/session.plugin";
import { newUser, roleChange, userParams } from "../auth/users/users.schema";
import type { UsersService } from "../auth/users/users.service";
import { AppError } from "../core/errors";
import { fragmentResponse, htmlResponse } from "../core/html";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";

export function usersPages(
  ctx: AppContext,
  deps: { users: UsersService; session: SessionPlugin; page: PageContextFactory },
) {
  const { users, page } = deps;

  const render = async (
    request: Request,
    identity: Identity,
    o: Partial<Omit<UsersView, "users" | "currentId">> = {},
    status = 200,
  ) => {
    const view: UsersView = { users: await users.list(), currentId: identity.user.id, form: {}, ...o };
    const pageCtx = page(request, identity.user);
    return request.headers.get("hx-request")
      ? fragmentResponse(usersFragment(pageCtx, view), { status })
      : htmlResponse(usersPage(pageCtx, view), { status });
  };

  /** Runs a change and renders its outcome: a notice, or the error where it belongs. */
  const change = async (
    request: Request,
    identity: Identity,
    work: () => Promise<string>,
    form: UsersView["form"] = {},
  ) => {
    try {
      return await render(request, identity, { notice: await work() });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const { form: message, fields } = fieldErrors(e);
      return render(request, identity, { error: message, form: { ...form, fieldErrors: fields } }, e.status);
    }
  };

  return new Elysia({ name: "settings.users", seed: ctx.instanceId })
    .use(deps.session)
    .get("/settings/users", ({ request, identity }) => render(request, identity), { page: "admin" })
    .post(
      "/settings/users",
      ({ request, identity, body }) =>
        change(
          request,
          identity,
          async () => {
            const u = await users.create(body);
            return `${u.username} was added as ${u.role === "admin" ? "an admin" : "a viewer"}.`;
          },
          { username: body.username, role: body.role },
        ),
      { page: "admin", body: newUser },
    )
    .post(
      "/settings/users/:id/role",
      ({ request, identity, params, body }) =>
        change(request, identity, async () => {
          const u = await users.setRole(params.id, body.role);
          return `${u.username} is now ${u.role === "admin" ? "an admin" : "a viewer"}.`;
        }),
      { page: "admin", params: userParams, body: roleChange },
    )
    .post(
      "/settings/users/:id/delete",
      ({ request, identity, params }) =>
        change(request, identity, async () => `${(await users.remove(params.id)).username} was removed.`),
      { page: "admin", params: userParams },
    );
}
