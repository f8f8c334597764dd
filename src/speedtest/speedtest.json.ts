/** The JSON shapes of the speed-test API: the original's field names (plus `isp`), numeric values. */
import type { SpeedTestRow } from "./speedtest.repository";

export function resultJson(r: SpeedTestRow) {
  return {
    id: r.id,
    testType: r.testType,
    serverId: r.serverId,
    serverName: r.serverName,
    serverHost: r.serverHost,
    downloadSpeed: r.downloadMbps,
    uploadSpeed: r.uploadMbps,
    latency: r.latencyMs,
    jitter: r.jitterMs,
    packetLoss: r.packetLoss,
    /** Extension: iperf3 ran in UDP mode (rates received at a fixed target rate, with loss and jitter). */
    udp: r.udp,
    isp: r.isp,
    bytesDownloaded: r.bytesDownloaded,
    bytesUploaded: r.bytesUploaded,
    durationMs: r.durationMs,
    isScheduled: r.isScheduled,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
  };
}

export const CSV_COLUMNS = [
  "id",
  "createdAt",
  "testType",
  "serverId",
  "serverName",
  "serverHost",
  "downloadSpeed",
  "uploadSpeed",
  "latency",
  "jitter",
  "packetLoss",
  "bytesDownloaded",
  "bytesUploaded",
  "durationMs",
  "isScheduled",
  "error",
  "isp",
  "udp",
] as const;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  // Quote when needed, and defuse spreadsheet formulas (a value starting with = + - @ is run by Excel).
  const safe = /^[=+\-@\t\r]/.test(s) && Number.isNaN(Number(s)) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvRow(r: SpeedTestRow): string {
  const j = resultJson(r);
  return `${CSV_COLUMNS.map((c) => csvCell(j[c])).join(",")}\r\n`;
}
