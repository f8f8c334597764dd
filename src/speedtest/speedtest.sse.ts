/**
 * How speed-test events reach browsers: named SSE events carrying JSON, which
 * the page's Alpine components and htmx triggers (`speedtest-finished from:body`) consume.
 */
import type { SseMessage } from "../core/sse";
import type { RunOutcome, SpeedtestEvent, SpeedtestSnapshot } from "./speedtest.events";
import { resultJson } from "./speedtest.json";

export function speedtestSse(event: SpeedtestEvent): SseMessage {
  switch (event.type) {
    case "speedtest.started":
      return { event: "speedtest-started", data: JSON.stringify({ run: event.run }) };
    case "speedtest.progress":
      return { event: "speedtest-progress", data: JSON.stringify({ run: event.run, progress: event.progress }) };
    case "speedtest.finished":
      return {
        event: "speedtest-finished",
        data: JSON.stringify({ run: event.run, result: resultJson(event.result) }),
      };
    case "speedtest.cancelled":
      return { event: "speedtest-cancelled", data: JSON.stringify({ run: event.run }) };
    case "speedtest.rejected":
      return { event: "speedtest-rejected", data: JSON.stringify({ run: event.run, message: event.message }) };
  }
}

function outcomeJson(o: RunOutcome) {
  switch (o.outcome) {
    case "finished":
      return { run: o.run, at: o.at, outcome: o.outcome, result: resultJson(o.result) };
    case "cancelled":
      return { run: o.run, at: o.at, outcome: o.outcome };
    case "rejected":
      return { run: o.run, at: o.at, outcome: o.outcome, message: o.message };
  }
}

/** The first speed-test message of every (re)connected stream: pages reconcile their live card with it. */
export function speedtestSnapshotSse(s: SpeedtestSnapshot): SseMessage {
  return {
    event: "speedtest-snapshot",
    data: JSON.stringify({ current: s.current, last: s.last && outcomeJson(s.last) }),
  };
}
