/** Events the hub publishes on the bus about its agents: live rates for open pages, state changes and metrics for notifications. */

/** How the hub sees an agent. `unauthorized`: the agent answered 401 (wrong or missing API key), not a network failure. */
export type AgentConnectionState = "online" | "offline" | "unauthorized" | "incompatible";

export interface AgentRef {
  agentId: number;
  agentName: string;
}

/** A snapshot of an agent's resources, published each time the hub polls them. Percentages 0–100, °C, Mbit/s. */
export interface AgentMetrics {
  cpuPercent: number | null;
  memoryPercent: number | null;
  /** The fullest disk's used percentage. */
  diskUsedPercentMax: number | null;
  /** The hottest sensor, with its label. */
  temperatureMaxC: number | null;
  temperatureSensor: string | null;
}

export type AgentEvent =
  | (AgentRef & { type: "agent.live"; at: number; rxBytesPerSecond: number; txBytesPerSecond: number })
  | (AgentRef & {
      type: "agent.state";
      at: number;
      from: AgentConnectionState | null;
      to: AgentConnectionState;
      /** Why the agent is not online, in plain words. */
      reason?: string;
    })
  | (AgentRef & { type: "agent.metrics"; at: number; metrics: AgentMetrics });
