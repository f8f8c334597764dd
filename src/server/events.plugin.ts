/** GET /events: one Server-Sent Events stream per open page, carrying every feature's live events. */
import { Elysia, t } from "elysia";
import type { SessionPlugin } from "../auth/session.plugin";
import type { Bus } from "../core/bus";
import { type SseMessage, sseResponse } from "../core/sse";
import { isMonitorEvent, monitorSse } from "../diagnostics/monitors/monitors.sse";
import { agentSse, isAgentEvent } from "../hub/agents.sse";
import type { SpeedtestEvent } from "../speedtest/speedtest.events";
import { speedtestSse } from "../speedtest/speedtest.sse";
import type { AppContext } from "./context";
import type { AppEvent } from "./events";

const isSpeedtestEvent = (event: AppEvent): event is SpeedtestEvent => event.type.startsWith("speedtest.");

function toSse(event: AppEvent): SseMessage | null {
  if (isMonitorEvent(event)) return monitorSse(event);
  if (isSpeedtestEvent(event)) return speedtestSse(event);
  if (isAgentEvent(event)) return agentSse(event);
  return null;
}

/** Named event that ends the snapshot a stream starts with: from here on, the page is in step with the server. */
export const STREAM_READY = "stream-ready";

/**
 * `snapshot` gives the state a page needs to be current (the running test, the monitors' runs): each connection
 * starts with it, so a page that opened late or lost its stream for a while catches up instead of showing a stale
 * state.
 */
export function eventsPlugin(
  ctx: AppContext,
  bus: Bus<AppEvent>,
  session: SessionPlugin,
  snapshot: () => Promise<SseMessage[]>,
) {
  // When pages last had something to hear: a page rendered before that (?since=) has missed it.
  let lastEventAt = 0;
  bus.on((event) => {
    if (toSse(event)) lastEventAt = Date.now();
  });
  return new Elysia({ name: "events", seed: ctx.instanceId }).use(session).get(
    "/events",
    ({ request, server, query }) =>
      sseResponse(
        request,
        async function* (signal) {
          // Subscribed before the snapshot is taken: an event in between arrives after it, never falls between.
          const events = bus.subscribe(signal);
          yield* await snapshot();
          // `missed`: something happened between the page's rendering and this connection (tables may be stale).
          yield {
            event: STREAM_READY,
            data: JSON.stringify({ missed: query.since !== undefined && lastEventAt >= query.since }),
          };
          for await (const event of events) {
            const message = toSse(event);
            if (message) yield message;
          }
        },
        { stop: ctx.stopping, server },
      ),
    {
      page: true,
      query: t.Object({
        since: t.Optional(t.Numeric({ minimum: 0, error: "since: must be a time in ms since the epoch" })),
      }),
    },
  );
}
