/**
 * The provider's metadata (`/.well-known/openid-configuration`), fetched in the background: start-up never waits for
 * it. A failed attempt is retried with backoff (1 s doubling to 1 min), and a sign-in that arrives before it
 * succeeded tries once more at once, so a provider that comes up later works without a restart.
 */
import * as oauth from "oauth4webapi";
import type { Logger } from "../../core/log";

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 60_000;
export const OIDC_REQUEST_TIMEOUT_MS = 10_000;
/** A provider's documents (metadata, keys, token and userinfo answers) are a few KiB; a larger answer is not read. */
export const OIDC_MAX_RESPONSE_BYTES = 1 << 20;

const tooLarge = () => new Error(`the provider's answer is larger than ${OIDC_MAX_RESPONSE_BYTES >> 10} KiB`);

/**
 * fetch for every request to the provider: the answer's body ends in an error past OIDC_MAX_RESPONSE_BYTES, so a
 * provider (or whatever answers at its address) sending an endless document cannot fill the memory within the
 * request's deadline.
 */
export async function cappedFetch(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (Number(response.headers.get("content-length") ?? 0) > OIDC_MAX_RESPONSE_BYTES) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return response;
  let size = 0;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > OIDC_MAX_RESPONSE_BYTES) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

export function createOidcDiscovery(opts: { issuer: URL; log: Logger; retry?: { firstMs: number; lastMs: number } }) {
  const { issuer, log } = opts;
  const retry = opts.retry ?? { firstMs: FIRST_RETRY_MS, lastMs: LAST_RETRY_MS };
  const insecure = issuer.protocol === "http:";
  let metadata: oauth.AuthorizationServer | null = null;
  let inFlight: Promise<oauth.AuthorizationServer | null> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay = retry.firstMs;
  let lastProblem = "";
  let stopped = false;

  const attempt = () =>
    (inFlight ??= (async () => {
      try {
        const response = await oauth.discoveryRequest(issuer, {
          algorithm: "oidc",
          signal: AbortSignal.timeout(OIDC_REQUEST_TIMEOUT_MS),
          [oauth.allowInsecureRequests]: insecure,
          [oauth.customFetch]: cappedFetch,
        });
        metadata = await oauth.processDiscoveryResponse(issuer, response);
        log.info("OpenID provider ready", { issuer: metadata.issuer });
        return metadata;
      } catch (e) {
        const problem = (e as Error).message;
        // Once per kind of failure: a provider that is down for a day must not fill the log.
        if (problem !== lastProblem)
          log.warn("OpenID provider not reachable yet; retrying", { issuer: issuer.href, problem });
        lastProblem = problem;
        return null;
      } finally {
        inFlight = null;
      }
    })());

  const loop = async () => {
    if (stopped || metadata || (await attempt()) || stopped) return;
    timer = setTimeout(loop, delay);
    timer.unref?.();
    delay = Math.min(delay * 2, retry.lastMs);
  };

  return {
    insecure,
    /** Begins fetching the metadata in the background. */
    start: () => void loop(),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    get ready() {
      return metadata !== null;
    },
    /** The metadata, trying once more now when it is not there yet; null when the provider cannot be reached. */
    metadata: async () => metadata ?? (await attempt()),
  };
}

export type OidcDiscovery = ReturnType<typeof createOidcDiscovery>;
