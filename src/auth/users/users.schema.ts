/** Request shapes for user management (JSON API and the Settings forms). */
import { t } from "elysia";
import { oneOf, rowId } from "../../server/validation";
import { ROLES } from "../access";
import { PASSWORD_MAX, USERNAME_MAX } from "../auth.schema";

export const newUser = t.Object({
  username: t.Optional(t.String({ maxLength: USERNAME_MAX, error: `username: at most ${USERNAME_MAX} characters` })),
  password: t.Optional(t.String({ maxLength: PASSWORD_MAX, error: `password: at most ${PASSWORD_MAX} characters` })),
  role: t.Optional(oneOf(ROLES, "role")),
});

export const roleChange = t.Object({ role: oneOf(ROLES, "role") });

export const userParams = t.Object({ id: rowId("id") });
