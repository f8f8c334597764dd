/**
 * How monitor events reach browsers: named SSE events carrying JSON. Progress
 * events carry the PacketLossUpdate; `packetloss-finished` also triggers the
 * panel's htmx refreshes (`from:body`).
 */
import type { SseMessage } from "../../core/sse";
import type { MonitorEvent, PacketLossUpdate } from "./monitors.events";
import { resultJson } from "./monitors.json";

export function monitorSse(event: MonitorEvent): SseMessage | null {
  switch (event.type) {
    case "packetloss.queued":
      return { event: "packetloss-queued", data: JSON.stringify(event.update) };
    case "packetloss.started":
      return { event: "packetloss-started", data: JSON.stringify(event.update) };
    case "packetloss.progress":
      return { event: "packetloss-progress", data: JSON.stringify(event.update) };
    case "packetloss.cancelled":
      return { event: "packetloss-cancelled", data: JSON.stringify(event.update) };
    case "packetloss.finished":
      return {
        event: "packetloss-finished",
        data: JSON.stringify({ ...event.update, state: event.monitor.lastState, result: resultJson(event.result) }),
      };
    case "packetloss.state":
      // Transitions are for the notification system; the finished event already carries the new state.
      return null;
  }
}

export function isMonitorEvent(event: { type: string }): event is MonitorEvent {
  return event.type.startsWith("packetloss.");
}

/** The first monitor message of every (re)connected stream: the runs under way or queued right now. */
export function monitorSnapshotSse(live: readonly PacketLossUpdate[]): SseMessage {
  return { event: "packetloss-snapshot", data: JSON.stringify({ live }) };
}
