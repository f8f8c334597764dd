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
