/** The JSON API for the caller's own API tokens: list, create (the token is in this answer only), revoke. */
import { Elysia } from "elysia";
import { BadInput } from "../../core/errors";
import type { AppContext } from "../../server/context";
import type { Identity } from "../identity";
import type { SessionPlugin } from "../session.plugin";
import type { TokenRow } from "./tokens.repository";
import { newToken, tokenParams } from "./tokens.schema";
import type { TokensService } from "./tokens.service";

export const tokenJson = (row: TokenRow) => ({
  id: row.id,
  name: row.name,
  scope: row.scope,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
});

/** The account the tokens belong to; a whitelisted visitor has none. */
export function tokenOwner(identity: Identity) {
  if (identity.via === "whitelist") throw new BadInput("no account to hold tokens: signed in by whitelist");
  return identity.user;
}

export function tokensApi(ctx: AppContext, deps: { tokens: TokensService; session: SessionPlugin }) {
  const { tokens } = deps;
  return new Elysia({ name: "auth.tokens", seed: ctx.instanceId }).use(deps.session).guard({ api: "account" }, (app) =>
    app
      .get("/api/auth/tokens", async ({ identity }) => ({
        tokens: identity.via === "whitelist" ? [] : (await tokens.list(identity.user.id)).map(tokenJson),
      }))
      .post(
        "/api/auth/tokens",
        async ({ identity, body, status }) => {
          const { token, row } = await tokens.create(tokenOwner(identity), body);
          return status(201, { ...tokenJson(row), token });
        },
        { body: newToken },
      )
      .delete(
        "/api/auth/tokens/:id",
        async ({ identity, params }) => {
          await tokens.revoke(tokenOwner(identity).id, params.id);
          return { revoked: 1 };
        },
        { params: tokenParams },
      ),
  );
}
