/** An agent's state as a badge and a sentence, server-rendered; public/agents.js keeps them live with the same words. */
import type { AgentLive } from "../../src/hub/agents.service";

export type ShownState = "online" | "offline" | "unauthorized" | "incompatible" | "connecting" | "disabled";

export const STATE_BADGE: Record<ShownState, [label: string, cssClass: string]> = {
  online: ["Online", "badge-ok"],
  offline: ["Offline", "badge-bad"],
  unauthorized: ["Unauthorized", "badge-bad"],
  incompatible: ["Incompatible", "badge-warn"],
  connecting: ["Connecting…", "badge-info"],
  disabled: ["Disabled", ""],
};

export function shownState(live: Pick<AgentLive, "state" | "monitored">): ShownState {
  if (!live.monitored) return "disabled";
  return live.state ?? "connecting";
}
