/** How a monitor's state and status read and look; the pages' live badges get the same table (monitorLabels). */
import type { MonitorStatus } from "../../src/diagnostics/monitors/monitors.service";
import type { StoredState } from "../../src/diagnostics/monitors/state";

export const STATE_LABEL: Record<StoredState, string> = {
  ok: "OK",
  threshold_exceeded: "Loss above threshold",
  down: "Down",
  unknown: "No data yet",
};

const STATE_CLASS: Record<StoredState, string> = {
  ok: "badge-ok",
  threshold_exceeded: "badge-warn",
  down: "badge-bad",
  unknown: "",
};

export const STATUS_LABEL: Record<MonitorStatus, string> = {
  active: "Active",
  stopped: "Stopped",
  queued: "Queued",
  testing: "Testing",
};

const STATUS_CLASS: Record<MonitorStatus, string> = {
  active: "badge-info",
  stopped: "",
  queued: "badge-warn",
  testing: "badge-info badge-live",
};

export const stateClass = (s: StoredState) => STATE_CLASS[s];
export const statusClass = (s: MonitorStatus) => STATUS_CLASS[s];

/** Both tables for the browser: [label, class] per state and per status. */
export const monitorLabels = {
  state: Object.fromEntries(Object.entries(STATE_LABEL).map(([k, v]) => [k, [v, STATE_CLASS[k as StoredState]]])),
  status: Object.fromEntries(Object.entries(STATUS_LABEL).map(([k, v]) => [k, [v, STATUS_CLASS[k as MonitorStatus]]])),
};
