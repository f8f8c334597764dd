/** Request shapes for API tokens (JSON API and the Settings form). */
import { t } from "elysia";
import { oneOf, rowId } from "../../server/validation";
import { TOKEN_SCOPES } from "../access";

export const newToken = t.Object({
  name: t.Optional(t.String({ maxLength: 1024, error: "name: a string" })),
  scope: t.Optional(oneOf(TOKEN_SCOPES, "scope")),
});

export const tokenParams = t.Object({ id: rowId("id") });
