/**
 * The hub's LibreSpeed-compatible endpoint ([librespeed_server]), so an agent (or any LibreSpeed client) can test
 * its path to the hub with nothing else installed. It is served by Bun's own router, before the web app: the
 * transfers never pass through request parsing, sessions or body limits, which would cost throughput, and the
 * token in its path is its only key (LibreSpeed's clients send no header or cookie).
 */
import type { Server } from "bun";
import type { Config } from "../config/schema";
import { createLibreSpeedBackend } from "../measure/librespeed-backend";

type Handler = (request: Request, server: Server<undefined>) => Promise<Response>;

/**
 * Bun routes for the endpoint (one wildcard under its path), empty when [librespeed_server] is off; throws when it
 * is on without a token (the hub has no API key to fall back on).
 */
export function hubLibreSpeedRoutes(settings: Config["librespeed_server"], baseUrl: string): Record<string, Handler> {
  if (!settings.enabled) return {};
  if (!settings.token)
    throw new Error(
      "[librespeed_server] enabled needs a token on the hub (NETRONOME__LIBRESPEED_SERVER_TOKEN), e.g. `openssl rand -hex 16`",
    );
  const path = `${baseUrl}${settings.path}`;
  const backend = createLibreSpeedBackend({ path, secret: settings.token });
  const handle: Handler = (request, server) =>
    backend.handle(request, new URL(request.url).pathname, server.requestIP(request)?.address ?? "");
  return { [`${path}/*`]: handle };
}
