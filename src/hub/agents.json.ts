/** The API's JSON for agents: the original's MonitorAgent fields (API key masked), plus the connection state. */
import type { AgentView } from "./agents.service";
import { KEY_PLACEHOLDER } from "./agents.service";

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function agentJson(a: AgentView) {
  return {
    id: a.id,
    name: a.name,
    url: a.url,
    /** Never the key itself: "configured" when one is stored. */
    apiKey: a.apiKeyConfigured ? KEY_PLACEHOLDER : null,
    enabled: a.enabled,
    interface: a.interface,
    isTailscale: a.isTailscale,
    tailscaleHostname: a.tailscaleHostname,
    discoveredAt: iso(a.discoveredAt),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
    /** Extensions: how the hub sees the agent. */
    state: a.live.state,
    stateReason: a.live.reason,
    stateSince: iso(a.live.since),
    lastSeenAt: iso(a.live.lastSeen),
    monitored: a.live.monitored,
  };
}

/** GET …/status: the original's {connected, liveData?} and the state behind it. */
export function statusJson(a: AgentView) {
  const sample = a.live.sample;
  return {
    connected: a.live.state === "online",
    ...(sample ? { liveData: sample.sample, liveDataAt: new Date(sample.at).toISOString() } : {}),
    state: a.live.state,
    reason: a.live.reason,
    since: iso(a.live.since),
    lastSeen: iso(a.live.lastSeen),
    monitored: a.live.monitored,
  };
}
