/**
 * Server lists for clients that reach the protocol servers through an address the servers do not know. The local
 * speedtest.net and LibreSpeed servers name themselves http://127.0.0.1:<port> in their lists, which is right only
 * inside their namespace; the mirror fetches each list once and serves it on this namespace's 127.0.0.1 with that
 * origin replaced by the one the client uses, as speedtest.net's directory points clients at third-party servers.
 */

const FETCH_TIMEOUT_MS = 5_000;

export interface MirroredDocument {
  /** Path the mirror serves it at, e.g. "/api/js/servers". */
  readonly path: string;
  /** Where the original is fetched from. */
  readonly source: string;
  /** The origin as the server writes it, e.g. "127.0.0.1:8080", and what replaces it. */
  readonly from: string;
  readonly to: string;
}

export interface ListMirror {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  stop(): void;
}

export async function startListMirror(documents: readonly MirroredDocument[]): Promise<ListMirror> {
  const served = new Map<string, { body: string; contentType: string }>();
  for (const document of documents) {
    const response = await fetch(document.source, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    const body = await response.text();
    if (!response.ok) throw new Error(`${document.source} answered HTTP ${response.status}`);
    served.set(document.path, {
      body: body.replaceAll(document.from, document.to),
      contentType: response.headers.get("content-type") ?? "text/plain",
    });
  }
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const document = served.get(new URL(request.url).pathname);
      if (!document) return new Response("not found", { status: 404 });
      return new Response(document.body, { headers: { "Content-Type": document.contentType } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}
