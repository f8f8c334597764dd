/** GET /events: one Server-Sent Events stream per open page, carrying every feature's live events. */
import { Elysia } from "elysia";
import type { IdentityResolver } from "../auth/identity";
import type { SessionPlugin } from "../auth/session.plugin";
import type { Bus } from "../core/bus";
import { type SseMessage, sseResponse } from "../core/sse";
import { isMonitorEvent, monitorSse } from "../diagnostics/monitors/monitors.sse";
import type { SpeedtestEvent } from "../speedtest/speedtest.events";
import { speedtestSse } from "../speedtest/speedtest.sse";
import type { AppContext } from "./context";
import type { AppEvent } from "./events";

const isSpeedtestEvent = (event: AppEvent): event is SpeedtestEvent => event.type.startsWith("speedtest.");

function toSse(event: AppEvent): SseMessage | null {
  if (isMonitorEvent(event)) return monitorSse(event);
  if (isSpeedtestEvent(event)) return speedtestSse(event);
  return null;
}

/** Events a tab that stops reading (a laptop gone to sleep) may have waiting; newer ones are dropped for it. */
export const EVENTS_CLIENT_BUFFER = 1000;
/** An open stream whose session was signed out (or expired) ends within this long. */
const SESSION_CHECK_MS = 15_000;

export function eventsPlugin(
  ctx: AppContext,
  bus: Bus<AppEvent>,
  session: SessionPlugin,
  opts: { identify: IdentityResolver; sessionCheckMs?: number },
) {
  return new Elysia({ name: "events", seed: ctx.instanceId }).use(session).get(
    "/events",
    ({ request }) => {
      const signedOut = new AbortController();
      const check = setInterval(() => {
        opts.identify.again(request).then(
          (identity) => identity || signedOut.abort(),
          // A database that does not answer right now signs nobody out.
          () => undefined,
        );
      }, opts.sessionCheckMs ?? SESSION_CHECK_MS);
      return sseResponse(
        request,
        async function* (signal) {
          try {
            for await (const event of bus.subscribe(signal)) {
              const message = toSse(event);
              if (message) yield message;
            }
          } finally {
            clearInterval(check);
          }
        },
        { stop: AbortSignal.any([ctx.stopping, signedOut.signal]), maxQueued: EVENTS_CLIENT_BUFFER },
      );
    },
    { page: true },
  );
}
