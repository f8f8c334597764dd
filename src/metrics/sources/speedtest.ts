/**
 * The latest speed-test figures of each server, in base units (bits per second, seconds). Tests run from an agent are
 * the agent's own series (`agent_id`, `agent`); this server's have no such labels (empty, to Prometheus).
 */
import type { MetricsRepository } from "../metrics.repository";
import { gauge, type MetricSource, seconds } from "./source";

const MBIT = 1e6;

export function speedtestMetrics(repo: MetricsRepository): MetricSource {
  return async () => {
    const [results, runs] = await Promise.all([repo.latestSuccessfulPerServer(), repo.latestRunPerServer()]);
    const labelled = <
      T extends {
        testType: string;
        serverId: string;
        serverName: string;
        agentId: number | null;
        agentName: string | null;
      },
    >(
      rows: readonly T[],
      value: (row: T) => number | null | undefined,
    ) =>
      rows.map((row) => ({
        labels: {
          provider: row.testType,
          server_id: row.serverId,
          server: row.serverName,
          ...(row.agentId === null ? {} : { agent_id: row.agentId, agent: row.agentName ?? "" }),
        },
        value: value(row),
      }));
    const ms = (v: number | null) => (v === null ? null : v / 1000);
    return [
      gauge(
        "netronome_speedtest_download_bits_per_second",
        "Download throughput of the latest successful test per server",
        labelled(results, (r) => (r.downloadMbps === null ? null : r.downloadMbps * MBIT)),
      ),
      gauge(
        "netronome_speedtest_upload_bits_per_second",
        "Upload throughput of the latest successful test per server",
        labelled(results, (r) => (r.uploadMbps === null ? null : r.uploadMbps * MBIT)),
      ),
      gauge(
        "netronome_speedtest_latency_seconds",
        "Latency of the latest successful test per server",
        labelled(results, (r) => ms(r.latencyMs)),
      ),
      gauge(
        "netronome_speedtest_jitter_seconds",
        "Jitter of the latest successful test per server",
        labelled(results, (r) => ms(r.jitterMs)),
      ),
      gauge(
        "netronome_speedtest_timestamp_seconds",
        "When the latest successful test per server ran, in seconds since the Unix epoch",
        labelled(results, (r) => seconds(r.createdAt)),
      ),
      gauge(
        "netronome_speedtest_last_run_success",
        "Whether the latest test per server succeeded (1) or failed (0)",
        labelled(runs, (r) => (r.error === null ? 1 : 0)),
      ),
      gauge(
        "netronome_speedtest_last_run_timestamp_seconds",
        "When the latest test per server ran, successful or not, in seconds since the Unix epoch",
        labelled(runs, (r) => seconds(r.createdAt)),
      ),
    ];
  };
}
