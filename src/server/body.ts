/**
 * Request bodies, read only when a route has decided to accept the request (signed-in, or a public form) and
 * never beyond the route's limit: a declared Content-Length over the limit is refused (413) before a byte is read,
 * and a chunked body is read until it passes the limit, then refused. Bun itself refuses anything larger than the
 * largest limit (`maxRequestBodySize`), so a route that never reads its body holds no more than that either.
 */
import { parseQuery } from "elysia/parse-query";
import { AppError, BadInput } from "../core/errors";

const KiB = 1024;
const MiB = 1024 * KiB;

const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";

/**
 * Bodies by kind of route: how large, and in which media types. The JSON API takes JSON only, which no cross-site
 * HTML form can send. The `api` and `page` guards (auth/session.plugin.ts) read `json` and `form`; public routes
 * name their kind in `publicBody`. Bun's ceiling is the largest limit here.
 */
export const BODY_KINDS = {
  /** The forms of the pages, sign-in and registration included (htmx sends them form-encoded). */
  form: { limit: 64 * KiB, types: [FORM_TYPE, JSON_TYPE] },
  /** Sign-in and registration through the JSON API. */
  credentials: { limit: 64 * KiB, types: [JSON_TYPE] },
  /** The rest of the JSON API. */
  json: { limit: 1 * MiB, types: [JSON_TYPE] },
} as const satisfies Record<string, { limit: number; types: readonly string[] }>;
export type BodyKind = keyof typeof BODY_KINDS;

/** What Bun accepts at all, before any route sees the request. */
export const MAX_BODY_BYTES = Math.max(...Object.values(BODY_KINDS).map((k) => k.limit));

export class PayloadTooLarge extends AppError {
  constructor(limit: number) {
    super(413, "payload_too_large", `the request body is larger than this route accepts (${limit / KiB} KiB)`);
  }
}

export class UnsupportedMediaType extends AppError {
  constructor(accepted: readonly string[]) {
    super(415, "unsupported_media_type", `send the body as ${accepted.join(" or ")}`);
  }
}

async function readCapped(request: Request, limit: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw new PayloadTooLarge(limit);
  const reader = request.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new PayloadTooLarge(limit);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * Reads and parses a request body of the given kind. An absent or empty body is an empty object, so validation
 * names the missing fields; malformed JSON is a 400.
 */
export async function readBody(request: Request, kind: BodyKind): Promise<unknown> {
  if (!request.body) return {};
  const { limit, types } = BODY_KINDS[kind];
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType && !(types as readonly string[]).includes(mediaType)) throw new UnsupportedMediaType(types);
  const text = await readCapped(request, limit);
  if (text === "") return {};
  if (!mediaType) throw new UnsupportedMediaType(types);
  if (mediaType === FORM_TYPE) return parseQuery(text);
  try {
    return JSON.parse(text);
  } catch {
    throw new BadInput("the request body is not valid JSON");
  }
}

/** The `parse` hook of a public route that takes a body: no session to check first, the limit applies all the same. */
export const publicBody =
  (kind: BodyKind) =>
  ({ request }: { request: Request }) =>
    readBody(request, kind);
