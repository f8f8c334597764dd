/** The Agents pages: the list with its add/edit form (htmx fragments) and each agent's detail page and tabs. */
import { Elysia, t } from "elysia";
import { type AgentTab, agentPage, agentPanel } from "../../views/agents/detail";
import { type AgentFormView, agentForm, agentList, agentsPage, agentsPanel } from "../../views/agents/list";
import type { SessionUser } from "../auth/auth.service";
import type { SessionPlugin } from "../auth/session.plugin";
import { AppError } from "../core/errors";
import { fragmentResponse, htmlResponse } from "../core/html";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";
import { oneOf } from "../server/validation";
import { agentForm as agentFormSchema, agentParams, pageQuery } from "./agents.schema";
import type { AgentInput, AgentsService } from "./agents.service";

type FormBody = typeof agentFormSchema.static;

function formToInput(f: FormBody, editing: boolean): AgentInput {
  const key = f.apiKey?.trim() ?? "";
  return {
    name: f.name,
    url: f.url,
    apiKey: f.keyMode === "none" ? null : key ? key : editing ? undefined : null,
    enabled: f.enabled === "on",
  };
}

const blankForm = (): AgentFormView => ({ values: { name: "", url: "", enabled: true } });

export function agentsPages(ctx: AppContext, agents: AgentsService, session: SessionPlugin, page: PageContextFactory) {
  const monitoring = ctx.config.monitor.enabled;
  const base = ctx.config.server.base_url;

  const editForm = async (id: number): Promise<AgentFormView> => {
    const a = await agents.get(id);
    return { id, keyStored: a.apiKeyConfigured, values: { name: a.name, url: a.url, enabled: a.enabled } };
  };

  const panel = async (
    request: Request,
    user: SessionUser,
    o: { form?: AgentFormView; notice?: string; error?: string } = {},
    status = 200,
  ) =>
    fragmentResponse(
      agentsPanel(page(request, user), {
        agents: await agents.list(),
        form: o.form ?? blankForm(),
        monitoring,
        notice: o.notice,
        error: o.error,
      }),
      { status },
    );

  /** Runs a list action; a domain error is shown in the panel instead of failing the swap. */
  const act = async (request: Request, user: SessionUser, action: () => Promise<string>) => {
    try {
      return panel(request, user, { notice: await action() });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return panel(request, user, { error: e.message }, e.status);
    }
  };

  /** From the agent's own page, an action reloads that page (htmx follows HX-Redirect with a full navigation). */
  const backToPage = (id: number) =>
    new Response(null, { status: 204, headers: { "hx-redirect": `${base}/agents/${id}` } });

  const saveForm = async (request: Request, user: SessionUser, body: FormBody, id?: number) => {
    try {
      const saved =
        id === undefined
          ? await agents.create(formToInput(body, false))
          : await agents.update(id, formToInput(body, true));
      return panel(request, user, { notice: `Agent ${saved.name} ${id === undefined ? "added" : "saved"}.` });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const keyStored = id === undefined ? false : (await agents.get(id)).apiKeyConfigured;
      const form: AgentFormView = {
        ...(id === undefined ? {} : { id }),
        keyStored,
        values: { name: body.name, url: body.url, enabled: body.enabled === "on" },
        error: e,
      };
      return panel(request, user, { form }, e.status);
    }
  };

  return new Elysia({ name: "agents.pages", seed: ctx.instanceId }).use(session).guard({ page: true }, (app) =>
    app
      .get(
        "/agents",
        async ({ request, user, query }) =>
          htmlResponse(
            agentsPage(page(request, user), {
              agents: await agents.list(),
              form: query.edit ? await editForm(query.edit) : blankForm(),
              monitoring,
            }),
          ),
        {
          query: t.Object({ edit: t.Optional(t.Numeric({ minimum: 1, error: "edit: must be a positive number" })) }),
        },
      )
      .get("/agents/list", async ({ request, user }) =>
        fragmentResponse(agentList(page(request, user), await agents.list())),
      )
      .get("/agents/new", ({ request, user }) => fragmentResponse(agentForm(page(request, user), blankForm())))
      .post("/agents", ({ body, request, user }) => saveForm(request, user, body), { body: agentFormSchema })
      .get(
        "/agents/:id/edit",
        async ({ params, request, user }) =>
          fragmentResponse(agentForm(page(request, user), await editForm(params.id))),
        { params: agentParams },
      )
      .post("/agents/:id", ({ params, body, request, user }) => saveForm(request, user, body, params.id), {
        params: agentParams,
        body: agentFormSchema,
      })
      .post(
        "/agents/:id/start",
        async ({ params, query, request, user }) => {
          if (query.from === "page") {
            await agents.start(params.id);
            return backToPage(params.id);
          }
          return act(request, user, async () => `Agent ${(await agents.start(params.id)).name} enabled.`);
        },
        { params: agentParams, query: t.Object({ from: t.Optional(oneOf(["page"], "from")) }) },
      )
      .post(
        "/agents/:id/stop",
        async ({ params, query, request, user }) => {
          if (query.from === "page") {
            await agents.stop(params.id);
            return backToPage(params.id);
          }
          return act(request, user, async () => `Agent ${(await agents.stop(params.id)).name} disabled.`);
        },
        { params: agentParams, query: t.Object({ from: t.Optional(oneOf(["page"], "from")) }) },
      )
      .delete(
        "/agents/:id",
        ({ params, request, user }) =>
          act(request, user, async () => {
            await agents.remove(params.id);
            return "Agent deleted.";
          }),
        { params: agentParams },
      )
      .get(
        "/agents/:id",
        async ({ params, query, request, user }) => {
          const tab: AgentTab = query.tab ?? "overview";
          const snapshot = await agents.snapshot(params.id, { freshVnstat: tab !== "system" });
          return htmlResponse(agentPage(page(request, user), snapshot, tab));
        },
        { params: agentParams, query: pageQuery },
      )
      .get(
        "/agents/:id/panel",
        async ({ params, query, request, user }) => {
          const tab: AgentTab = query.tab ?? "overview";
          return fragmentResponse(agentPanel(page(request, user), await agents.snapshot(params.id), tab));
        },
        { params: agentParams, query: pageQuery },
      ),
  );
}
