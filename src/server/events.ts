/** Every event that travels on the application bus; each feature defines its own part. */
import type { MonitorEvent } from "../diagnostics/monitors/monitors.events";
import type { AgentEvent } from "../hub/agents.events";
import type { SpeedtestEvent } from "../speedtest/speedtest.events";

export type AppEvent = SpeedtestEvent | MonitorEvent | AgentEvent;
