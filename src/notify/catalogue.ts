/**
 * The events a rule can subscribe to: the original's seeded notification_events, with its numeric IDs, categories,
 * event types and threshold units, so existing rules and scripts keep their meaning.
 */
export const OPERATORS = ["gt", "gte", "lt", "lte", "eq"] as const;
export type Operator = (typeof OPERATORS)[number];

export const OPERATOR_LABEL: Record<Operator, string> = { gt: ">", gte: "≥", lt: "<", lte: "≤", eq: "=" };

export const CATEGORIES = ["speedtest", "packetloss", "agent"] as const;
export type Category = (typeof CATEGORIES)[number];

export interface EventSpec {
  readonly id: number;
  readonly category: Category;
  readonly eventType: string;
  readonly name: string;
  readonly description: string;
  readonly defaultEnabled: boolean;
  /** A numeric value is compared with the rule's threshold; otherwise the event itself is the breach. */
  readonly threshold: { unit: string; operator: Operator; value: number } | null;
  /**
   * Instant events notify on each occurrence; the others are conditions, checked again and again, that fire once
   * (after N of M breaching checks) and recover when they clear.
   */
  readonly instant: boolean;
}

const spec = (
  id: number,
  category: Category,
  eventType: string,
  name: string,
  description: string,
  o: { threshold?: EventSpec["threshold"]; instant?: boolean; defaultEnabled?: boolean } = {},
): EventSpec => ({
  id,
  category,
  eventType,
  name,
  description,
  defaultEnabled: o.defaultEnabled ?? true,
  threshold: o.threshold ?? null,
  instant: o.instant ?? false,
});

export const EVENTS = [
  spec(1, "speedtest", "complete", "Speed test complete", "Every finished speed test, with its results", {
    defaultEnabled: false,
    instant: true,
  }),
  spec(2, "speedtest", "ping_high", "Latency high", "A speed test's latency crosses the threshold", {
    threshold: { unit: "ms", operator: "gt", value: 30 },
  }),
  spec(3, "speedtest", "download_low", "Download low", "A speed test's download crosses the threshold", {
    threshold: { unit: "Mbps", operator: "lt", value: 200 },
  }),
  spec(4, "speedtest", "upload_low", "Upload low", "A speed test's upload crosses the threshold", {
    threshold: { unit: "Mbps", operator: "lt", value: 200 },
  }),
  spec(5, "speedtest", "failed", "Speed test failed", "A speed test ends with an error"),
  spec(
    6,
    "packetloss",
    "threshold_exceeded",
    "Packet loss high",
    "A monitor's loss crosses the threshold (default: the monitor's own)",
    {
      threshold: { unit: "%", operator: "gt", value: 5 },
    },
  ),
  spec(7, "packetloss", "monitor_down", "Monitor down", "A monitored host answers no probe at all"),
  spec(
    8,
    "packetloss",
    "monitor_recovered",
    "Monitor recovered",
    "A monitor that was down or over its threshold is back to normal",
    { instant: true },
  ),
  spec(9, "agent", "offline", "Agent offline", "The hub loses its connection to an agent"),
  spec(10, "agent", "online", "Agent online", "An agent that was offline is connected again", { instant: true }),
  spec(11, "agent", "high_bandwidth", "Bandwidth high", "An agent's traffic (received + sent) crosses the threshold", {
    threshold: { unit: "Mbps", operator: "gt", value: 900 },
  }),
  spec(12, "agent", "disk_space_low", "Disk space low", "An agent's fullest disk crosses the threshold (used %)", {
    threshold: { unit: "%", operator: "gt", value: 90 },
  }),
  spec(13, "agent", "cpu_high", "CPU high", "An agent's CPU use crosses the threshold", {
    threshold: { unit: "%", operator: "gt", value: 90 },
  }),
  spec(14, "agent", "memory_high", "Memory high", "An agent's memory use crosses the threshold", {
    threshold: { unit: "%", operator: "gt", value: 90 },
  }),
  spec(15, "agent", "temperature_high", "Temperature high", "An agent's hottest sensor crosses the threshold", {
    threshold: { unit: "°C", operator: "gt", value: 80 },
  }),
] as const satisfies readonly EventSpec[];

export type EventKey = `${Category}.${string}`;
export const eventKey = (e: EventSpec): EventKey => `${e.category}.${e.eventType}`;

const byId = new Map<number, EventSpec>(EVENTS.map((e) => [e.id, e]));
const byKey = new Map<string, EventSpec>(EVENTS.map((e) => [eventKey(e), e]));

export function eventById(id: number): EventSpec | undefined {
  return byId.get(id);
}

export function eventByKey(key: string): EventSpec {
  const e = byKey.get(key);
  if (!e) throw new Error(`unknown notification event ${key}`);
  return e;
}

/** Whether `value` breaches `threshold` under `operator`. */
export function compare(value: number, operator: Operator, threshold: number): boolean {
  switch (operator) {
    case "gt":
      return value > threshold;
    case "gte":
      return value >= threshold;
    case "lt":
      return value < threshold;
    case "lte":
      return value <= threshold;
    case "eq":
      return value === threshold;
  }
}
