/** Settings → API tokens: create (the token is shown in the answer once) and revoke, as htmx fragments or pages. */
import { Elysia } from "elysia";
import { fieldErrors } from "../../views/components/form";
import { type TokensView, tokensCard } from "../../views/settings/tokens";
import type { Identity } from "../auth/identity";
import type { SessionPlugin } from "../auth/session.plugin";
import { tokenOwner } from "../auth/tokens/tokens.plugin";
import { newToken, tokenParams } from "../auth/tokens/tokens.schema";
import type { TokensService } from "../auth/tokens/tokens.service";
import { AppError } from "../core/errors";
import { fragmentResponse } from "../core/html";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";

/** The card's data for `identity` (a whitelisted visitor has no account, so no card). */
export async function tokensView(tokens: TokensService, identity: Identity): Promise<TokensView | undefined> {
  if (identity.via === "whitelist") return undefined;
  return { tokens: await tokens.list(identity.user.id), canWrite: identity.user.role === "admin" };
}

export function tokensPages(
  ctx: AppContext,
  deps: { tokens: TokensService; session: SessionPlugin; page: PageContextFactory },
) {
  const { tokens, page } = deps;
  const base = ctx.config.server.base_url;

  /** The card for htmx; a plain form post (no JavaScript) gets the Settings page back. */
  const answer = async (request: Request, identity: Identity, extra: Partial<TokensView>, status = 200) => {
    if (!request.headers.get("hx-request") && !extra.created)
      return new Response(null, { status: 303, headers: { location: `${base}/settings` } });
    const view = { ...(await tokensView(tokens, identity))!, ...extra };
    return fragmentResponse(tokensCard(page(request, identity.user), view), { status });
  };

  return new Elysia({ name: "settings.tokens", seed: ctx.instanceId })
    .use(deps.session)
    .post(
      "/settings/tokens",
      async ({ request, identity, body }) => {
        try {
          const { token, row } = await tokens.create(tokenOwner(identity), body);
          return answer(request, identity, { created: { name: row.name, token } });
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          const { form, fields } = fieldErrors(e);
          return answer(request, identity, { error: form, fieldErrors: fields, name: body.name }, e.status);
        }
      },
      { page: "account", body: newToken },
    )
    .post(
      "/settings/tokens/:id/revoke",
      async ({ request, identity, params }) => {
        await tokens.revoke(tokenOwner(identity).id, params.id);
        return answer(request, identity, { notice: "The token was revoked." });
      },
      { page: "account", params: tokenParams },
    );
}
