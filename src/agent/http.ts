/** JSON answers of the agent: no caching, no sniffing; errors are `{error, message}` plus details. */

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

export const errorBody = (error: string, message: string, extra: Record<string, unknown> = {}) => ({
  error,
  message,
  ...extra,
});
