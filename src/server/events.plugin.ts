/** GET /events: one Server-Sent Events stream per open page, carrying every feature's live events. */
import { Elysia } from "elysia";
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

export function eventsPlugin(ctx: AppContext, bus: Bus<AppEvent>, session: SessionPlugin) {
  return new Elysia({ name: "events", seed: ctx.instanceId }).use(session).get(
    "/events",
    ({ request }) =>
      sseResponse(
        request,
        async function* (signal) {
          for await (const event of bus.subscribe(signal)) {
            const message = toSse(event);
            if (message) yield message;
          }
        },
        { stop: ctx.stopping },
      ),
    { page: true },
  );
}
