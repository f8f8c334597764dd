/** GET /traceroute: the page shell; each mode's panel is served by its own feature (/traceroute/panel, /monitors/panel). */
import { Elysia, t } from "elysia";
import { diagnosticsPage } from "../../views/diagnostics/page";
import type { SessionPlugin } from "../auth/session.plugin";
import { htmlResponse } from "../core/html";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";
import { oneOf } from "../server/validation";

export function diagnosticsPages(ctx: AppContext, session: SessionPlugin, page: PageContextFactory) {
  return new Elysia({ name: "diagnostics.pages", seed: ctx.instanceId })
    .use(session)
    .get(
      "/traceroute",
      ({ request, user, query }) =>
        htmlResponse(diagnosticsPage(page(request, user), { tab: query.tab ?? "traceroute", host: query.host })),
      {
        page: true,
        query: t.Object({
          tab: t.Optional(oneOf(["traceroute", "monitors"], "tab")),
          host: t.Optional(t.String({ maxLength: 300, error: "host: at most 300 characters" })),
        }),
      },
    );
}
