/**
 * A fake `netronome agent` that speaks the agent contract (src/protocol/agent.ts) on 127.0.0.1: GET /, the info,
 * the live-data SSE stream, system information, hardware, peaks and a vnstat export, with the API key checked as
 * the agent does. `original: true` answers as the original Go agent did (no extensions, no heartbeats). Tests
 * change its documents and behaviour while it runs; the benchmark starts many in one process:
 *
 *   bun test/servers/agent-server.ts --count 100 [--interval 1000] [--stamp] [--key KEY]
 *
 * prints one line of JSON with the ports, then serves until killed. With --stamp each sample's rx rate is the
 * time it was sent (Date.now()), so a reader can measure how long the sample took to reach it.
 */
import type { Server } from "bun";
import {
  AGENT_PROTOCOL_VERSION,
  AGENT_SERVICE,
  AGENT_TYPE,
  API_KEY_HEADER,
  API_KEY_QUERY,
  type HardwareStats,
  type HistoricalExport,
  type LiveSample,
  type PeakStats,
  type SystemInfo,
  type VnstatEntry,
} from "../../src/protocol/agent";

export interface FakeAgentOptions {
  apiKey?: string;
  hostname?: string;
  /** Answer as the original agent: no protocol_version, agent_version, addresses or categories, no heartbeats. */
  original?: boolean;
  /** `disable_system_metrics`: no /system/* endpoints (404). */
  systemMetrics?: boolean;
  protocolVersion?: number;
  /** Milliseconds between live samples. */
  intervalMs?: number;
  /** Milliseconds between heartbeat comments; 0 for none. */
  heartbeatMs?: number;
  /** rx rate = send time (ms since the epoch), for latency measurements. */
  stamp?: boolean;
  port?: number;
}

export interface FakeAgent {
  url: string;
  port: number;
  /** Documents served; change them to change what the agent reports. */
  system: SystemInfo;
  hardware: HardwareStats;
  peaks: PeakStats;
  historical: HistoricalExport;
  /** Paths requested so far, with the API key header each came with. */
  requests: { path: string; key: string | null }[];
  /** Stop sending samples and heartbeats while keeping streams open (a hung agent). */
  silent: boolean;
  /** Open live-data streams. */
  streams(): number;
  /** Ends every open stream (the agent restarting its stream), leaving the server up. */
  dropStreams(): void;
  stop(): Promise<void>;
}

const GiB = 1024 ** 3;

function vnstatEntries(now: Date): { hour: VnstatEntry[]; day: VnstatEntry[]; month: VnstatEntry[] } {
  const hour: VnstatEntry[] = [];
  for (let i = 23; i >= 0; i--) {
    const d = new Date(now.getTime() - i * 3_600_000);
    hour.push({
      id: 24 - i,
      date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
      time: { hour: d.getUTCHours(), minute: 0 },
      timestamp: Math.floor(d.getTime() / 1000),
      rx: (900 + 40 * i) * 1024 ** 2,
      tx: (210 + 9 * i) * 1024 ** 2,
    });
  }
  const day: VnstatEntry[] = [];
  for (let i = 29; i >= 0; i--) {
    const d = new Date(now.getTime() - i * 86_400_000);
    day.push({
      id: 30 - i,
      date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
      rx: (22 + (i % 7)) * GiB,
      tx: (5 + (i % 3)) * GiB,
    });
  }
  const month: VnstatEntry[] = [];
  for (let i = 5; i >= 0; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    month.push({
      id: 6 - i,
      date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 },
      rx: (640 + i * 30) * GiB,
      tx: (150 + i * 8) * GiB,
    });
  }
  return { hour, day, month };
}

export function startFakeAgent(options: FakeAgentOptions = {}): FakeAgent {
  const o = { systemMetrics: true, intervalMs: 1000, heartbeatMs: 15_000, ...options };
  const original = o.original ?? false;
  const hostname = o.hostname ?? "nas-01";
  const now = new Date();
  const system: SystemInfo = {
    hostname,
    kernel: "Linux 6.1.0-18-amd64",
    uptime: 1_234_567,
    interfaces: {
      eth0: {
        name: "eth0",
        alias: "",
        ip_address: "192.168.1.10",
        link_speed: 1000,
        is_up: true,
        bytes_total: 8_123_456_789_012,
        ...(original ? {} : { addresses: ["192.168.1.10", "fd00::10"] }),
      },
      wg0: {
        name: "wg0",
        alias: "",
        ip_address: "10.8.0.1",
        link_speed: -1,
        is_up: true,
        bytes_total: 52_428_800,
        ...(original ? {} : { addresses: ["10.8.0.1"] }),
      },
    },
    vnstat_version: "2.10",
    updated_at: now.toISOString(),
    ...(original ? {} : { agent_version: "0.1.0-fake" }),
  };
  const hardware: HardwareStats = {
    cpu: {
      usage_percent: 23.5,
      cores: 8,
      threads: 16,
      model: "AMD Ryzen 7 5700G with Radeon Graphics",
      frequency: 3800,
      load_avg: [1.12, 0.96, 0.88],
    },
    memory: {
      total: 32 * GiB,
      used: 12.4 * GiB,
      free: 3.1 * GiB,
      available: 19.6 * GiB,
      used_percent: 38.75,
      cached: 14 * GiB,
      buffers: 0.5 * GiB,
      zfs_arc: 0,
      swap_total: 4 * GiB,
      swap_used: 0.2 * GiB,
      swap_percent: 5,
    },
    disks: [
      {
        path: "/",
        device: "/dev/nvme0n1p2",
        fstype: "ext4",
        total: 476 * GiB,
        used: 201 * GiB,
        free: 275 * GiB,
        used_percent: 42.2,
        model: "Samsung SSD 980 PRO 500GB",
        serial: "S5GXNF0R123456",
      },
      {
        path: "/mnt/storage",
        device: "/dev/sda1",
        fstype: "xfs",
        total: 3726 * GiB,
        used: 2650 * GiB,
        free: 1076 * GiB,
        used_percent: 71.1,
        model: "WDC WD40EFRX-68N32N0",
        serial: "WD-WCC7K1234567",
      },
    ],
    temperature: [
      {
        sensor_key: "k10temp_tctl",
        temperature: 48.5,
        label: "CPU Tctl",
        critical: 95,
        ...(original ? {} : { category: "cpu" as const }),
      },
      {
        sensor_key: "nvme_composite",
        temperature: 41,
        label: "NVMe Composite",
        critical: 82.8,
        ...(original ? {} : { category: "storage" as const }),
      },
      {
        sensor_key: "acpitz_0",
        temperature: 27.8,
        label: "ACPI thermal zone",
        critical: 0,
        ...(original ? {} : { category: "system" as const }),
      },
    ],
    updated_at: now.toISOString(),
  };
  const peaks: PeakStats = {
    peak_rx: 117_440_512,
    peak_tx: 23_068_672,
    peak_rx_string: "112.00 MiB/s",
    peak_tx_string: "22.00 MiB/s",
    peak_rx_timestamp: new Date(now.getTime() - 3_600_000).toISOString(),
    peak_tx_timestamp: new Date(now.getTime() - 7_200_000).toISOString(),
    updated_at: now.toISOString(),
  };
  const entries = vnstatEntries(now);
  const historical: HistoricalExport = {
    vnstatversion: "2.10",
    jsonversion: "2",
    interfaces: [
      { name: "eth0", alias: "", traffic: { total: { rx: 7_400 * GiB, tx: 1_610 * GiB }, ...entries } },
      {
        name: "wg0",
        alias: "vpn",
        traffic: {
          total: { rx: 40 * GiB, tx: 12 * GiB },
          hour: entries.hour.slice(-3),
          day: entries.day.slice(-3),
          month: entries.month.slice(-1),
        },
      },
    ],
    server_time: now.toISOString(),
    server_time_unix: Math.floor(now.getTime() / 1000),
    timezone_offset: 3600,
  };

  const requests: FakeAgent["requests"] = [];
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  let index = 0;
  const state = { silent: false };

  const authorised = (req: Request, url: URL) => {
    if (!o.apiKey) return true;
    const given = req.headers.get(API_KEY_HEADER) ?? url.searchParams.get(API_KEY_QUERY);
    return given === o.apiKey;
  };
  const json = (body: unknown, status = 200) => Response.json(body, { status });

  const sampleLine = (): string => {
    index++;
    const rx = o.stamp ? Date.now() : 1_250_000 + ((index * 7919) % 400_000);
    const tx = 310_000 + ((index * 104_729) % 90_000);
    const direction = (rate: number) => ({
      ratestring: `${(rate / 1024).toFixed(2)} KiB/s`,
      bytespersecond: rate,
      packetspersecond: Math.round(rate / 1200),
      bytes: rate,
      packets: Math.round(rate / 1200),
      totalbytes: rate * index,
      totalpackets: Math.round((rate * index) / 1200),
    });
    const sample: LiveSample = { index, seconds: index, rx: direction(rx), tx: direction(tx) };
    return JSON.stringify(sample);
  };

  const broadcast = (text: string) => {
    for (const controller of streams) {
      try {
        controller.enqueue(encoder.encode(text));
      } catch {
        streams.delete(controller);
      }
    }
  };
  const sampler = setInterval(() => {
    if (!state.silent && streams.size) broadcast(`event: message\ndata: ${sampleLine()}\n\n`);
  }, o.intervalMs);
  const heartbeat =
    !original && o.heartbeatMs > 0
      ? setInterval(() => {
          if (!state.silent) broadcast(": heartbeat\n\n");
        }, o.heartbeatMs)
      : undefined;

  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: o.port ?? 0,
    idleTimeout: 0,
    fetch(req) {
      const url = new URL(req.url);
      requests.push({ path: url.pathname + url.search, key: req.headers.get(API_KEY_HEADER) });
      if (url.pathname === "/")
        return json({
          service: AGENT_SERVICE,
          host: "0.0.0.0",
          port: server.port,
          endpoints: {
            live: "/events?stream=live-data",
            historical: "/export/historical",
            peaks: "/stats/peaks",
            tailscale: "/tailscale/status",
            ...(o.systemMetrics ? { system: "/system/info", hardware: "/system/hardware" } : {}),
          },
          authentication: o.apiKey ? "required" : "none",
          auth_methods: o.apiKey ? ["X-API-Key header", "apikey query parameter"] : [],
          ...(original
            ? {}
            : { bandwidth_source: "vnstat", protocol_version: o.protocolVersion ?? AGENT_PROTOCOL_VERSION }),
        });
      if (url.pathname === "/netronome/info")
        return json({
          type: AGENT_TYPE,
          version: original ? "v0.9.3" : "0.1.0-fake",
          hostname: system.hostname,
          listening_host: "0.0.0.0",
          listening_port: server.port,
          using_tailscale: false,
          ...(original ? {} : { protocol_version: o.protocolVersion ?? AGENT_PROTOCOL_VERSION }),
        });
      if (!authorised(req, url)) return json({ error: "Unauthorized" }, 401);
      if (url.pathname === "/events") {
        if (url.searchParams.get("stream") !== "live-data") return json({ error: "unknown stream" }, 400);
        let self: ReadableStreamDefaultController<Uint8Array> | undefined;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            self = controller;
            streams.add(controller);
            if (!original) controller.enqueue(encoder.encode(": connected\n\n"));
          },
          cancel() {
            if (self) streams.delete(self);
          },
        });
        return new Response(body, {
          headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
        });
      }
      if (url.pathname === "/export/historical") {
        const wanted = url.searchParams.get("interface");
        return json({ ...historical, interfaces: historical.interfaces.filter((i) => !wanted || i.name === wanted) });
      }
      if (url.pathname === "/stats/peaks") return json(peaks);
      if (o.systemMetrics && url.pathname === "/system/info") return json(system);
      if (o.systemMetrics && url.pathname === "/system/hardware") return json(hardware);
      return json({ error: "not found" }, 404);
    },
  });

  const agent: FakeAgent = {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    system,
    hardware,
    peaks,
    historical,
    requests,
    get silent() {
      return state.silent;
    },
    set silent(value: boolean) {
      state.silent = value;
    },
    streams: () => streams.size,
    dropStreams() {
      for (const controller of streams) {
        try {
          controller.close();
        } catch {
          // already closed
        }
      }
      streams.clear();
    },
    async stop() {
      clearInterval(sampler);
      if (heartbeat) clearInterval(heartbeat);
      agent.dropStreams();
      await server.stop(true);
    },
  };
  return agent;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i === -1 ? undefined : args[i + 1];
  };
  const count = Number(value("--count") ?? "1");
  const agents = Array.from({ length: count }, (_, i) =>
    startFakeAgent({
      intervalMs: Number(value("--interval") ?? "1000"),
      stamp: args.includes("--stamp"),
      apiKey: value("--key"),
      hostname: `bench-${String(i + 1).padStart(3, "0")}`,
    }),
  );
  console.log(JSON.stringify({ ports: agents.map((a) => a.port) }));
  const stop = async () => {
    await Promise.all(agents.map((a) => a.stop()));
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}
