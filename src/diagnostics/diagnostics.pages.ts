/**
 * GET /traceroute: the page shell; its panel is served by the traceroute feature (/traceroute/panel). The monitors
 * that used to be a tab here have their own page: old links (?tab=monitors) go there.
 */
import { Elysia, t } from "elysia";
import { diagnosticsPage } from "../../views/diagnostics/page";
import type { SessionPlugin } from "../auth/session.plugin";
import { htmlResponse } from "../core/html";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";
import { oneOf } from "../server/validation";

export function diagnosticsPages(ctx: AppContext, session: SessionPlugin, page: PageContextFactory) {
  const base = ctx.config.server.base_url;
  return new Elysia({ name: "diagnostics.pages", seed: ctx.instanceId }).use(session).get(
    "/traceroute",
    ({ request, user, query, redirect }) => {
      if (query.tab === "monitors")
        return redirect(`${base}/monitors${query.host ? `?host=${encodeURIComponent(query.host)}` : ""}`, 302);
      return htmlResponse(diagnosticsPage(page(request, user), { host: query.host }));
    },
    {
      page: true,
      query: t.Object({
        tab: t.Optional(oneOf(["traceroute", "monitors"], "tab")),
        host: t.Optional(t.String({ maxLength: 300, error: "host: at most 300 characters" })),
      }),
    },
  );
}
