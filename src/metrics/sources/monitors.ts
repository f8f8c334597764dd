/** Each packet-loss monitor's state and its latest result, in base units (ratios, seconds). */
import type { MetricsRepository } from "../metrics.repository";
import { gauge, type MetricSource, seconds } from "./source";

const STATES = ["unknown", "ok", "threshold_exceeded", "down"] as const;

export function monitorMetrics(repo: MetricsRepository): MetricSource {
  return async () => {
    const [monitors, results] = await Promise.all([repo.monitors(), repo.latestMonitorResults()]);
    const latest = new Map(results.map((r) => [r.monitorId, r]));
    const labels = (m: (typeof monitors)[number]) => ({ monitor_id: m.id, name: m.name, host: m.host });
    const fromResult = (value: (r: (typeof results)[number]) => number | null) =>
      monitors.map((m) => {
        const r = latest.get(m.id);
        // A run whose agent was unreachable measured nothing: no figures rather than zeros.
        return { labels: labels(m), value: r && !r.unreachable ? value(r) : null };
      });
    const ms = (v: number | null) => (v === null ? null : v / 1000);
    return [
      gauge(
        "netronome_monitor_enabled",
        "Whether the monitor runs on its schedule (1) or is paused (0)",
        monitors.map((m) => ({ labels: labels(m), value: m.enabled ? 1 : 0 })),
      ),
      gauge(
        "netronome_monitor_state",
        `The monitor's state: 1 for the current one of ${STATES.join(", ")}`,
        monitors.flatMap((m) =>
          STATES.map((state) => ({ labels: { ...labels(m), state }, value: m.state === state ? 1 : 0 })),
        ),
      ),
      gauge(
        "netronome_monitor_packet_loss_ratio",
        "Packets lost in the latest run (0 to 1)",
        fromResult((r) => (r.packetLoss === null ? null : r.packetLoss / 100)),
      ),
      gauge(
        "netronome_monitor_rtt_min_seconds",
        "Shortest round trip of the latest run",
        fromResult((r) => ms(r.minRtt)),
      ),
      gauge(
        "netronome_monitor_rtt_avg_seconds",
        "Average round trip of the latest run",
        fromResult((r) => ms(r.avgRtt)),
      ),
      gauge(
        "netronome_monitor_rtt_max_seconds",
        "Longest round trip of the latest run",
        fromResult((r) => ms(r.maxRtt)),
      ),
      gauge(
        "netronome_monitor_packets_sent",
        "Packets sent in the latest run",
        fromResult((r) => r.packetsSent),
      ),
      gauge(
        "netronome_monitor_packets_received",
        "Packets received in the latest run",
        fromResult((r) => r.packetsRecv),
      ),
      gauge(
        "netronome_monitor_last_run_timestamp_seconds",
        "When the monitor last ran, in seconds since the Unix epoch",
        monitors.map((m) => ({ labels: labels(m), value: seconds(m.lastRun) })),
      ),
    ];
  };
}
