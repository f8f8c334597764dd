/** The JSON API for user management (admins, signed in: never an API token). */
import { Elysia } from "elysia";
import type { AppContext } from "../../server/context";
import type { SessionPlugin } from "../session.plugin";
import { newUser, roleChange, userParams } from "./users.schema";
import type { UserSummary, UsersService } from "./users.service";

export const userJson = (u: UserSummary) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  signIn: u.signIn,
  createdAt: u.createdAt.toISOString(),
});

export function usersApi(ctx: AppContext, deps: { users: UsersService; session: SessionPlugin }) {
  const { users } = deps;
  return new Elysia({ name: "auth.users", seed: ctx.instanceId }).use(deps.session).guard({ api: "admin" }, (app) =>
    app
      .get("/api/users", async () => ({ users: (await users.list()).map(userJson) }))
      .post(
        "/api/users",
        async ({ body, status }) => {
          return status(201, { user: userJson(await users.create(body)) });
        },
        { body: newUser },
      )
      .patch(
        "/api/users/:id",
        async ({ params, body }) => ({ user: userJson(await users.setRole(params.id, body.role)) }),
        { params: userParams, body: roleChange },
      )
      .delete(
        "/api/users/:id",
        async ({ params }) => {
          await users.remove(params.id);
          return { deleted: 1 };
        },
        { params: userParams },
      ),
  );
}
