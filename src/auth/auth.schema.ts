/** Request shapes for the auth routes, shared by the JSON API and the HTML forms. */
import { t } from "elysia";
import { rowId } from "../server/validation";

export const USERNAME_MAX = 64;
export const PASSWORD_MIN = 8;
/** Long inputs would make argon2 hashing a cheap denial of service. */
export const PASSWORD_MAX = 1024;

export const credentials = t.Object({
  username: t.String({
    minLength: 1,
    maxLength: USERNAME_MAX,
    error: `username: required, at most ${USERNAME_MAX} characters`,
  }),
  password: t.String({
    minLength: 1,
    maxLength: PASSWORD_MAX,
    error: `password: required, at most ${PASSWORD_MAX} characters`,
  }),
});

/** HTML forms: every field optional at the schema level so that the page can re-render with a friendly message. */
export const loginForm = t.Object({
  username: t.Optional(t.String({ maxLength: USERNAME_MAX })),
  password: t.Optional(t.String({ maxLength: PASSWORD_MAX })),
  next: t.Optional(t.String({ maxLength: 2048 })),
});

export const registerForm = t.Object({
  username: t.Optional(t.String({ maxLength: USERNAME_MAX })),
  password: t.Optional(t.String({ maxLength: PASSWORD_MAX })),
  confirm: t.Optional(t.String({ maxLength: PASSWORD_MAX })),
});

export const changePasswordForm = t.Object({
  current: t.Optional(t.String({ maxLength: PASSWORD_MAX })),
  password: t.Optional(t.String({ maxLength: PASSWORD_MAX })),
  confirm: t.Optional(t.String({ maxLength: PASSWORD_MAX })),
});

/** A session's number, as listed in Settings and by GET /api/auth/sessions. */
export const sessionParams = t.Object({
  id: rowId("id"),
});
