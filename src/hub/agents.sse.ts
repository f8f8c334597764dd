/** How agent events reach browsers: named SSE events carrying small JSON objects. */
import type { SseMessage } from "../core/sse";
import type { AgentEvent } from "./agents.events";

export function agentSse(event: AgentEvent): SseMessage {
  switch (event.type) {
    case "agent.live":
      return {
        event: "agent-live",
        data: JSON.stringify({
          agentId: event.agentId,
          at: event.at,
          rx: event.rxBytesPerSecond,
          tx: event.txBytesPerSecond,
        }),
      };
    case "agent.state":
      return {
        event: "agent-state",
        data: JSON.stringify({
          agentId: event.agentId,
          at: event.at,
          from: event.from,
          to: event.to,
          reason: event.reason ?? null,
        }),
      };
    case "agent.metrics":
      return {
        event: "agent-metrics",
        data: JSON.stringify({ agentId: event.agentId, at: event.at, metrics: event.metrics }),
      };
  }
}

export function isAgentEvent(event: { type: string }): event is AgentEvent {
  return event.type.startsWith("agent.");
}
