/** The JSON API for the signed-in user's own sessions: list them, end one, end all but this one. */
import { Elysia } from "elysia";
import { BadInput, NotFound } from "../core/errors";
import type { AppContext } from "../server/context";
import { sessionParams } from "./auth.schema";
import type { Identity } from "./identity";
import type { SessionPlugin } from "./session.plugin";
import { withCookies } from "./session-cookies";
import type { SessionRow } from "./sessions.repository";
import type { SessionsService } from "./sessions.service";
import type { SignIns } from "./sign-ins";

const sessionJson = (s: SessionRow, currentId: number | undefined) => ({
  id: s.id,
  method: s.method,
  createdAt: s.createdAt.toISOString(),
  lastSeenAt: s.lastSeenAt.toISOString(),
  expiresAt: s.expiresAt.toISOString(),
  clientAddress: s.clientAddress,
  userAgent: s.userAgent,
  current: s.id === currentId,
});

function sessionOf(identity: Identity): number | undefined {
  if (identity.via !== "session") throw new BadInput("no sessions to manage: signed in by whitelist");
  return identity.sessionId;
}

export function sessionsApi(
  ctx: AppContext,
  deps: { sessions: SessionsService; signIns: SignIns; session: SessionPlugin },
) {
  const { sessions, signIns } = deps;
  return new Elysia({ name: "auth.sessions", seed: ctx.instanceId }).use(deps.session).guard({ api: true }, (app) =>
    app
      .get("/api/auth/sessions", async ({ identity }) => {
        if (identity.via !== "session") return { sessions: [] };
        const rows = await sessions.list(identity.user.id);
        return { sessions: rows.map((s) => sessionJson(s, identity.sessionId)) };
      })
      .delete(
        "/api/auth/sessions/:id",
        async ({ request, params, identity }) => {
          if (params.id === sessionOf(identity))
            return withCookies(Response.json({ revoked: 1 }), [await signIns.end(request, identity)]);
          if (!(await sessions.revoke(identity.user.id, params.id))) throw new NotFound(`no session ${params.id}`);
          return { revoked: 1 };
        },
        { params: sessionParams },
      )
      .delete("/api/auth/sessions", async ({ identity }) => ({
        revoked: await sessions.revokeAll(identity.user.id, sessionOf(identity)),
      })),
  );
}
