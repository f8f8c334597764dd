/**
 * The one place where errors become HTTP: typed domain errors keep their
 * status and message, validation failures name the field (400), unknown paths
 * get a 404 page (JSON under /api), and anything unexpected is logged and
 * answered without internal details.
 */
import { Elysia, ParseError, ValidationError } from "elysia";
import { errorPage, notFoundPage } from "../../views/errors/error-pages";
import { AppError, Redirect, TooManyRequests } from "../core/errors";
import { htmlResponse } from "../core/html";
import type { Client } from "./client";
import type { AppContext } from "./context";
import type { PageContextFactory } from "./page-context";

interface FieldProblem {
  field: string;
  message: string;
}

function validationProblems(error: ValidationError): FieldProblem[] {
  const seen = new Set<string>();
  const out: FieldProblem[] = [];
  for (const e of error.all as { path?: string; message?: string; schema?: { error?: unknown } }[]) {
    const custom = typeof e.schema?.error === "string" ? e.schema.error : undefined;
    // A value that converts but breaks a bound (a query number below its minimum) comes without a path;
    // its schema's message names the field.
    const path = (e.path ?? "").replace(/^\//, "").replaceAll("/", ".");
    const field = path || custom?.match(/^([\w.]+):/)?.[1] || error.type;
    if (seen.has(field)) continue;
    seen.add(field);
    const message =
      custom ?? `${field}: ${e.message === "Expected required property" ? "required" : (e.message ?? "invalid")}`;
    out.push({ field, message: message.startsWith(`${field}:`) ? message : `${field}: ${message}` });
  }
  return out;
}

function wantsJson(request: Request, path: string): boolean {
  return path.startsWith("/api/") || path === "/api" || !(request.headers.get("accept") ?? "").includes("text/html");
}

export function errorsPlugin(ctx: AppContext, page: PageContextFactory, clientOf: (request: Request) => Client) {
  const base = ctx.config.server.base_url;
  return new Elysia({ name: "errors", seed: ctx.instanceId }).onError(
    { as: "global" },
    ({ code, error: raised, request, set }) => {
      // What a route's parse hook throws (no session, a body over its limit) arrives wrapped as a parse error.
      const error = raised instanceof ParseError && raised.cause instanceof AppError ? raised.cause : raised;
      const path = new URL(request.url).pathname.slice(base.length) || "/";
      const json = wantsJson(request, path);
      const respond = (status: number, body: Record<string, unknown>) => {
        set.status = status;
        if (json) return Response.json(body, { status, headers: set.headers as Record<string, string> });
        const view =
          status === 404
            ? notFoundPage(page(request, null))
            : errorPage(page(request, null), status, String(body.message));
        return htmlResponse(view, { status });
      };

      if (code === "NOT_FOUND")
        return respond(404, { error: "not_found", message: `no route for ${request.method} ${path}` });
      if (error instanceof ParseError)
        return respond(400, {
          error: "bad_request",
          message: "the request body could not be parsed (malformed JSON or form data)",
        });
      if (error instanceof ValidationError) {
        const problems = validationProblems(error);
        return respond(400, {
          error: "validation",
          message: problems.map((p) => p.message).join("; "),
          fields: problems,
        });
      }
      if (error instanceof Redirect) {
        const headers = new Headers({ [error.options.htmx ? "hx-redirect" : "location"]: error.location });
        for (const cookie of error.options.cookies ?? []) headers.append("set-cookie", cookie);
        return new Response(null, { status: error.status, headers });
      }
      if (error instanceof AppError) {
        if (error instanceof TooManyRequests) set.headers["retry-after"] = error.retryAfterHeader;
        return respond(error.status, {
          error: error.code,
          message: error.message,
          ...(error.field ? { field: error.field } : {}),
        });
      }
      ctx.log.error("request failed", {
        method: request.method,
        path,
        client: clientOf(request).address ?? undefined,
        error: error instanceof Error ? error.stack : String(error),
      });
      return respond(500, { error: "internal", message: "internal server error" });
    },
  );
}
