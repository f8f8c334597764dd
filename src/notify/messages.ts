/** Words for each notification: the title and sentence a check becomes, as an alert or as a recovery. Pure. */
import { eventKey, type Operator } from "./catalogue";
import type { Check } from "./checks";
import { formatNumber, type Notice, type Severity } from "./notice";

export interface Comparison {
  operator: Operator;
  threshold: number;
}

const RELATION: Record<Operator, string> = {
  gt: "above",
  gte: "at or above",
  lt: "below",
  lte: "at or below",
  eq: "equal to",
};

/** Short metric names, per event type, for titles. */
const METRIC: Record<string, string> = {
  ping_high: "Latency",
  download_low: "Download",
  upload_low: "Upload",
  threshold_exceeded: "Packet loss",
  high_bandwidth: "Bandwidth",
  disk_space_low: "Disk use",
  cpu_high: "CPU",
  memory_high: "Memory",
  temperature_high: "Temperature",
};

function words(
  c: Check,
  cmp: Comparison | null,
  recovery: boolean,
): { title: string; message: string; severity: Severity } {
  const type = c.event.eventType;
  const who = c.subjectName;
  const unit = c.event.threshold?.unit === "Mbps" ? "Mbit/s" : (c.event.threshold?.unit ?? "");
  const amount = (v: number) => `${formatNumber(v, 1)}${unit === "%" || unit === "°C" ? "" : " "}${unit}`;
  if (c.value !== null && cmp) {
    const metric = METRIC[type] ?? c.event.name;
    const limit = `the threshold of ${amount(cmp.threshold)}`;
    return recovery
      ? {
          title: `${metric} back to normal on ${who}: ${amount(c.value)}`,
          message: `${metric} on ${who} is ${amount(c.value)}, no longer ${RELATION[cmp.operator]} ${limit}.`,
          severity: "resolved",
        }
      : {
          title: `${metric} ${cmp.operator === "lt" || cmp.operator === "lte" ? "low" : "high"} on ${who}: ${amount(c.value)}`,
          message: `${metric} on ${who} is ${amount(c.value)}, ${RELATION[cmp.operator]} ${limit}.`,
          severity: "warning",
        };
  }
  const detail = c.detail ? `: ${c.detail}` : ".";
  switch (eventKey(c.event)) {
    case "speedtest.complete":
      return {
        title: `Speed test complete: ${who}`,
        message: `A speed test against ${who} finished.`,
        severity: "info",
      };
    case "speedtest.failed":
      return recovery
        ? {
            title: "Speed tests succeed again",
            message: `A speed test against ${who} finished without error.`,
            severity: "resolved",
          }
        : {
            title: `Speed test failed: ${who}`,
            message: `The speed test against ${who} failed${detail}`,
            severity: "critical",
          };
    case "packetloss.monitor_down":
      return recovery
        ? {
            title: `${who} answers again`,
            message: `The monitored host ${who} answers probes again.`,
            severity: "resolved",
          }
        : {
            title: `${who} is down`,
            message: `The monitored host ${who} answered no probe${detail}`,
            severity: "critical",
          };
    case "packetloss.monitor_recovered":
      return {
        title: `${who} recovered`,
        message: `The monitor ${who} is back to normal (it ${c.detail ?? "had a problem"}).`,
        severity: "resolved",
      };
    case "agent.offline":
      return recovery
        ? {
            title: `Agent ${who} is back online`,
            message: `The hub is connected to agent ${who} again.`,
            severity: "resolved",
          }
        : { title: `Agent ${who} is offline`, message: `The hub lost agent ${who}${detail}`, severity: "critical" };
    case "agent.online":
      return {
        title: `Agent ${who} is online`,
        message: `The hub is connected to agent ${who} again.`,
        severity: "resolved",
      };
    default:
      return { title: `${c.event.name}: ${who}`, message: `${c.event.description}.`, severity: "info" };
  }
}

export function noticeFor(c: Check, cmp: Comparison | null, recovery: boolean, mention?: string): Notice {
  const w = words(c, cmp, recovery);
  return {
    event: eventKey(c.event),
    eventId: c.event.id,
    eventName: c.event.name,
    category: c.event.category,
    severity: w.severity,
    title: w.title,
    message: w.message,
    subject: c.subjectName,
    facts:
      cmp && c.value !== null
        ? [
            ...c.facts,
            {
              label: "Threshold",
              value:
                `${RELATION[cmp.operator]} ${formatNumber(cmp.threshold, 2)} ${c.event.threshold?.unit ?? ""}`.trim(),
            },
          ]
        : c.facts,
    value: c.value,
    threshold: cmp?.threshold ?? null,
    operator: cmp?.operator ?? null,
    unit: c.event.threshold?.unit ?? null,
    recovery,
    at: c.at,
    ...(mention ? { mention } : {}),
    data: c.data,
  };
}

/** The message "Send test" delivers. */
export function testNotice(channelName: string, at: Date): Notice {
  return {
    event: "speedtest.complete",
    eventId: 0,
    eventName: "Test",
    category: "test",
    severity: "info",
    title: "Netronome test notification",
    message: `If you can read this, notifications reach “${channelName}”.`,
    subject: channelName,
    facts: [],
    value: null,
    threshold: null,
    operator: null,
    unit: null,
    recovery: false,
    at,
    data: { test: true },
  };
}
