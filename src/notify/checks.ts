/**
 * Turns bus events into checks: for each notification event a bus event concerns, what is measured (a value, or
 * whether the condition holds), about which subject, with the facts a message shows. Pure.
 */
import { stateOf } from "../diagnostics/monitors/state";
import type { AppEvent } from "../server/events";
import { type EventSpec, eventByKey } from "./catalogue";
import { type Fact, formatNumber } from "./notice";

export interface Check {
  event: EventSpec;
  /** Alert state is kept per rule and subject: "speedtest", "monitor:3", "agent:7". */
  subject: string;
  /** The subject as people call it. */
  subjectName: string;
  /** The measured value, for threshold events. */
  value: number | null;
  /** For conditions without a threshold: whether this check breaches. */
  breached: boolean;
  /** Where the subject has its own threshold (a monitor's loss threshold), used when the rule sets none. */
  ownThreshold?: number;
  /** What went wrong, in the subject's words (a test's error, why an agent is offline). */
  detail?: string;
  facts: Fact[];
  data: Record<string, unknown>;
  at: Date;
}

const fact = (label: string, value: number | null | undefined, unit: string, digits = 1): Fact[] =>
  value == null ? [] : [{ label, value: `${formatNumber(value, digits)} ${unit}` }];

export function checksFor(e: AppEvent): Check[] {
  switch (e.type) {
    case "speedtest.finished": {
      const r = e.result;
      const base = {
        subject: "speedtest",
        subjectName: `${r.serverName} (${r.testType})`,
        breached: false,
        at: r.createdAt,
        data: { ...r, createdAt: r.createdAt.toISOString(), scheduled: r.isScheduled },
        facts: [
          { label: "Server", value: `${r.serverName} (${r.testType})` },
          ...fact("Download", r.downloadMbps, "Mbit/s"),
          ...fact("Upload", r.uploadMbps, "Mbit/s"),
          ...fact("Latency", r.latencyMs, "ms"),
          ...fact("Jitter", r.jitterMs, "ms"),
        ],
      };
      const failed = r.error !== null;
      const checks: Check[] = [
        { ...base, event: eventByKey("speedtest.failed"), value: null, breached: failed, detail: r.error ?? undefined },
      ];
      if (failed) return checks;
      checks.push({ ...base, event: eventByKey("speedtest.complete"), value: null, breached: true });
      if (r.latencyMs !== null) checks.push({ ...base, event: eventByKey("speedtest.ping_high"), value: r.latencyMs });
      if (r.downloadMbps !== null)
        checks.push({ ...base, event: eventByKey("speedtest.download_low"), value: r.downloadMbps });
      if (r.uploadMbps !== null)
        checks.push({ ...base, event: eventByKey("speedtest.upload_low"), value: r.uploadMbps });
      return checks;
    }
    case "packetloss.finished": {
      const { monitor: m, result: r } = e;
      // A run whose agent was unreachable measured nothing: the target is neither up nor down (the agent's own
      // state events say it went away).
      const loss = r.packetLoss;
      if (r.unreachable || loss === null) return [];
      const base = {
        subject: `monitor:${m.id}`,
        subjectName: m.name || m.host,
        at: r.createdAt,
        data: {
          monitor: { id: m.id, name: m.name, host: m.host, threshold: m.threshold },
          result: { ...r, createdAt: r.createdAt.toISOString() },
        },
        facts: [
          { label: "Host", value: m.host },
          ...fact("Loss", r.packetLoss, "%"),
          { label: "Packets", value: `${r.packetsRecv} of ${r.packetsSent} answered` },
          ...fact("Average RTT", r.avgRtt, "ms", 2),
        ],
      };
      return [
        {
          ...base,
          event: eventByKey("packetloss.threshold_exceeded"),
          value: loss,
          breached: false,
          ownThreshold: m.threshold,
        },
        {
          ...base,
          event: eventByKey("packetloss.monitor_down"),
          value: null,
          breached: stateOf({ packetLoss: loss, packetsRecv: r.packetsRecv }, m.threshold) === "down",
          detail: r.error ?? undefined,
        },
      ];
    }
    case "packetloss.state": {
      const { monitor: m, transition: t } = e;
      if (t.to !== "ok" || (t.from !== "down" && t.from !== "threshold_exceeded")) return [];
      return [
        {
          event: eventByKey("packetloss.monitor_recovered"),
          subject: `monitor:${m.id}`,
          subjectName: m.name || m.host,
          value: null,
          breached: true,
          at: m.lastStateChange ?? new Date(),
          detail: `was ${t.from === "down" ? "down" : "over its loss threshold"}`,
          facts: [{ label: "Host", value: m.host }, ...fact("Loss", t.packetLoss, "%")],
          data: { monitor: { id: m.id, name: m.name, host: m.host }, transition: t },
        },
      ];
    }
    case "agent.state": {
      const base = {
        subject: `agent:${e.agentId}`,
        subjectName: e.agentName,
        value: null,
        at: new Date(e.at),
        data: { ...e },
        facts: [{ label: "State", value: e.to }, ...(e.reason ? [{ label: "Reason", value: e.reason }] : [])],
      };
      const checks: Check[] = [
        { ...base, event: eventByKey("agent.offline"), breached: e.to !== "online", detail: e.reason },
      ];
      if (e.to === "online" && e.from !== null && e.from !== "online")
        checks.push({ ...base, event: eventByKey("agent.online"), breached: true });
      return checks;
    }
    case "agent.metrics": {
      const m = e.metrics;
      const base = {
        subject: `agent:${e.agentId}`,
        subjectName: e.agentName,
        breached: false,
        at: new Date(e.at),
        data: { ...e },
      };
      const metric = (key: string, value: number | null, label: string, unit: string, extra: Fact[] = []): Check[] =>
        value === null
          ? []
          : [{ ...base, event: eventByKey(key), value, facts: [...fact(label, value, unit), ...extra] }];
      return [
        ...metric("agent.cpu_high", m.cpuPercent, "CPU", "%"),
        ...metric("agent.memory_high", m.memoryPercent, "Memory", "%"),
        ...metric("agent.disk_space_low", m.diskUsedPercentMax, "Fullest disk", "% used"),
        ...metric(
          "agent.temperature_high",
          m.temperatureMaxC,
          "Hottest sensor",
          "°C",
          m.temperatureSensor ? [{ label: "Sensor", value: m.temperatureSensor }] : [],
        ),
      ];
    }
    case "agent.live": {
      const mbps = ((e.rxBytesPerSecond + e.txBytesPerSecond) * 8) / 1e6;
      return [
        {
          event: eventByKey("agent.high_bandwidth"),
          subject: `agent:${e.agentId}`,
          subjectName: e.agentName,
          value: mbps,
          breached: false,
          at: new Date(e.at),
          data: { ...e },
          facts: [
            ...fact("Total", mbps, "Mbit/s"),
            ...fact("Received", (e.rxBytesPerSecond * 8) / 1e6, "Mbit/s"),
            ...fact("Sent", (e.txBytesPerSecond * 8) / 1e6, "Mbit/s"),
          ],
        },
      ];
    }
    default:
      return [];
  }
}
