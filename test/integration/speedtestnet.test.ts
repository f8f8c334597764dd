import { afterEach, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { NotFound } from "../../src/core/errors";
import { ProviderError } from "../../src/measure/providers/provider";
import { createSpeedtestNetProvider, type SpeedtestNetSettings } from "../../src/measure/providers/speedtestnet";
import { parseConfigXml, parseServerList } from "../../src/measure/providers/speedtestnet-catalog";
import type { SpeedTestProgress as Progress } from "../../src/protocol/measurements";
import { recordingRunOptions as runOptions } from "../helpers/provider-run";
import {
  DEFAULT_SERVERS,
  IMAGE_SIZES,
  type RunningSpeedtestNetServer,
  type SpeedtestNetServerOptions,
  startSpeedtestNetServer,
} from "../servers/speedtestnet-server";

const running: RunningSpeedtestNetServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

async function setup(serverOptions: SpeedtestNetServerOptions = {}, settings: Partial<SpeedtestNetSettings> = {}) {
  const mock = await startSpeedtestNetServer(serverOptions);
  running.push(mock);
  const provider = createSpeedtestNetProvider({
    serversUrl: mock.serversUrl,
    configUrl: mock.configUrl,
    timeoutSeconds: 10,
    durationSeconds: 1,
    graceSeconds: 0.3,
    downloadStreams: 2,
    uploadStreams: 2,
    pingIntervalMs: 5,
    ...settings,
  });
  return { mock, provider };
}

const listedIds = DEFAULT_SERVERS.filter((s) => !s.unlisted).map((s) => s.id);

describe("speedtest.net server list", () => {
  test("JSON list: nearest first by distance from the configuration's location, cached", async () => {
    const { mock, provider } = await setup();
    const servers = await provider.listServers(new AbortController().signal);
    expect(servers.map((s) => s.id)).toEqual(listedIds);
    const nearest = servers[0]!;
    expect(nearest).toMatchObject({ name: "Amsterdam", sponsor: "Canal Net", country: "Netherlands", isPublic: true });
    expect(nearest.url).toBe(`${mock.url}/srv/1001/speedtest/upload.php`);
    expect(nearest.host).toBe(new URL(mock.url).host);
    expect(nearest.distance).toBeLessThan(1);
    expect(servers.at(-1)!.distance).toBeGreaterThan(400);
    await provider.listServers(new AbortController().signal);
    expect(mock.counters).toMatchObject({ jsonListRequests: 1, configRequests: 1, xmlListRequests: 0 });
  });

  test("an empty JSON answer (Content-Length: 0) falls back to the XML list", async () => {
    const { mock, provider } = await setup({ jsonList: "empty" });
    const servers = await provider.listServers(new AbortController().signal);
    expect(servers.map((s) => s.id)).toEqual(listedIds);
    expect(mock.counters.xmlListRequests).toBe(1);
  });

  test("servers_url may point at an XML list directly", async () => {
    const mock = await startSpeedtestNetServer();
    running.push(mock);
    const provider = createSpeedtestNetProvider({
      serversUrl: `${mock.url}/speedtest-servers-static.php`,
      configUrl: mock.configUrl,
      timeoutSeconds: 10,
    });
    expect((await provider.listServers(new AbortController().signal)).map((s) => s.id)).toEqual(listedIds);
  });

  test("an unreachable list is a clear error", async () => {
    const provider = createSpeedtestNetProvider({
      serversUrl: "http://127.0.0.1:9/api/js/servers",
      configUrl: "http://127.0.0.1:9/speedtest-config.php",
      timeoutSeconds: 5,
    });
    await expect(provider.listServers(new AbortController().signal)).rejects.toThrow(
      "speedtest.net server list unavailable",
    );
  });

  test("parsers: entities decoded, unusable entries skipped, ignoreids read", () => {
    const xml =
      '<settings><servers><server url="http://h:8080/speedtest/upload.php" lat="1" lon="2" name="A &amp; B" ' +
      'country="X" sponsor="S&#39;s" id="7" host="h:8080"/><server url="nope" lat="1" lon="2" id="8"/>' +
      '<server url="http://h/upload.php" lat="" lon="2" id="9"/></servers></settings>';
    expect(parseServerList(xml)).toEqual([
      {
        id: "7",
        name: "A & B",
        sponsor: "S's",
        country: "X",
        host: "h:8080",
        url: "http://h:8080/speedtest/upload.php",
        lat: 1,
        lon: 2,
        distance: Number.NaN,
      },
    ]);
    expect(
      parseServerList('[{"id":5,"url":"https://x/upload.php","lat":"1.5","lon":2,"distance":12}]')[0],
    ).toMatchObject({ id: "5", host: "x", lat: 1.5, lon: 2, distance: 12 });
    const config = parseConfigXml(
      '<settings><client ip="1.2.3.4" lat="48.2" lon="16.4" isp="ISP" country="AT"/>' +
        '<server-config threadcount="4" ignoreids="683, 1525"/></settings>',
    );
    expect(config).toEqual({ lat: 48.2, lon: 16.4, isp: "ISP", country: "AT", ignoreIds: new Set(["683", "1525"]) });
  });

  test("clientInfo gives the ISP and country, never the IP", async () => {
    const { provider } = await setup();
    expect(await provider.clientInfo(new AbortController().signal)).toEqual({
      isp: "Loopback Networks",
      country: "NL",
    });
  });
});

describe("speedtest.net server choice", () => {
  test("automatic: the lowest measured latency among the 5 closest", async () => {
    const latencies: Record<string, number> = { "1001": 80, "1002": 60, "1003": 5, "1004": 40, "1005": 50, "1006": 0 };
    const servers = DEFAULT_SERVERS.map((s) => ({ ...s, latencyMs: latencies[s.id] ?? 0 }));
    const { mock, provider } = await setup({ servers });
    const result = await provider.run(runOptions({ enableDownload: false, enableUpload: false }));
    expect(result.serverId).toBe("1003");
    expect(result.serverName).toBe("Harbour IX (Rotterdam)");
    // The 6th closest is faster but not a candidate.
    expect(mock.counters.latencyRequests["1006"]).toBeUndefined();
    for (const id of ["1001", "1002", "1004", "1005"]) expect(mock.counters.latencyRequests[id]).toBe(4);
  });

  test("automatic choice skips the configuration's ignoreids", async () => {
    const { provider } = await setup({ ignoreIds: ["1001", "1002", "1003", "1004", "1005"] });
    const result = await provider.run(runOptions({ enableDownload: false, enableUpload: false }));
    expect(result.serverId).toBe("1006");
  });

  test("by ID, from the nearest list", async () => {
    const { mock, provider } = await setup();
    const result = await provider.run(runOptions({ serverId: "1005", enableDownload: false, enableUpload: false }));
    expect(result.serverId).toBe("1005");
    expect(mock.counters.searchRequests).toBe(0);
  });

  test("by ID, outside the nearest list: found with the list API's search", async () => {
    const { mock, provider } = await setup();
    const result = await provider.run(runOptions({ serverId: "9999", enableDownload: false, enableUpload: false }));
    expect(result).toMatchObject({ serverId: "9999", serverName: "Harbour Bridge Net (Sydney)" });
    expect(mock.counters.searchRequests).toBe(1);
    expect(mock.counters.latencyRequests["9999"]).toBe(11);
  });

  test("by ID, unknown to search: found with ios-config.php?serverid=", async () => {
    const { mock, provider } = await setup();
    const result = await provider.run(runOptions({ serverId: "8888", enableDownload: false, enableUpload: false }));
    expect(result.serverId).toBe("8888");
    expect(mock.counters.idLookupRequests).toBe(1);
  });

  test("an unknown ID is a not-found error naming it", async () => {
    const { mock, provider } = await setup();
    const error = await provider.run(runOptions({ serverId: "424242" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect((error as Error).message).toBe('speedtest.net server "424242" not found');
    expect(mock.counters.downloadRequests).toBe(0);
    const junk = await provider.run(runOptions({ serverId: "../etc" })).catch((e: unknown) => e);
    expect(junk).toBeInstanceOf(NotFound);
    expect((junk as Error).message).toContain('"../etc"');
  });
});

describe("speedtest.net run", () => {
  test("latency, download and upload: plausible, consistent with the bytes, progress in phase order", async () => {
    const { mock, provider } = await setup();
    const options = runOptions({ serverId: "1001" });
    const result = await provider.run(options);
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(result.latencyMs).toBeLessThan(50);
    expect(result.jitterMs).toBeGreaterThanOrEqual(0);
    expect(result.packetLoss).toBeNull();
    for (const [mbps, bytes, served] of [
      [result.downloadMbps!, result.bytesDownloaded, mock.counters.downloadBytes],
      [result.uploadMbps!, result.bytesUploaded, mock.counters.uploadBytes],
    ] as const) {
      expect(mbps).toBeGreaterThan(10);
      // The 1 s window's bytes are part of the phase's bytes, and the server saw all of them.
      expect((mbps * 1e6) / 8).toBeLessThanOrEqual(bytes);
      expect(bytes).toBeLessThanOrEqual(served);
    }
    expect(mock.counters.downloadRequests).toBeGreaterThan(0);
    expect(result.durationMs).toBeGreaterThan(2600);

    const phases = options.progress.map((p) => p.phase);
    const firstIndex = (phase: string) => phases.indexOf(phase as Progress["phase"]);
    const lastIndex = (phase: string) => phases.lastIndexOf(phase as Progress["phase"]);
    expect(lastIndex("latency")).toBeLessThan(firstIndex("download"));
    expect(lastIndex("download")).toBeLessThan(firstIndex("upload"));
    const latencySamples = options.progress.filter((p) => p.latencyMs !== undefined);
    expect(latencySamples).toHaveLength(10);
    for (const phase of ["latency", "download", "upload"] as const) {
      const ofPhase = options.progress.filter((p) => p.phase === phase);
      expect(ofPhase.at(-1)!.percent).toBe(100);
    }
    expect(options.progress.filter((p) => p.phase === "download").at(-1)!.mbps).toBe(result.downloadMbps!);
  });

  test("the result names the ISP from the configuration, at no extra request", async () => {
    const { mock, provider } = await setup();
    const result = await provider.run(runOptions({ serverId: "1001", enableDownload: false, enableUpload: false }));
    expect(result.isp).toBe("Loopback Networks");
    expect(mock.counters.configRequests).toBe(1);
  });

  test("disabled phases are skipped", async () => {
    const { mock, provider } = await setup();
    const result = await provider.run(runOptions({ serverId: "1001", enableUpload: false }));
    expect(result.uploadMbps).toBeNull();
    expect(result.bytesUploaded).toBe(0);
    expect(mock.counters.uploadRequests).toBe(0);
  });

  test("slow server: latency and rate reflect the delay and the pace", async () => {
    const servers = DEFAULT_SERVERS.map((s) => ({ ...s, latencyMs: s.id === "1001" ? 30 : 0 }));
    const { mock, provider } = await setup({ servers });
    const bytesPerSecond = 2_500_000;
    mock.setFaults({ download: { bytesPerSecond } });
    const result = await provider.run(runOptions({ serverId: "1001", enableUpload: false }));
    expect(result.latencyMs!).toBeGreaterThanOrEqual(30);
    expect(result.latencyMs!).toBeLessThan(45);
    const pacedMbps = (2 * bytesPerSecond * 8) / 1e6;
    expect(result.downloadMbps!).toBeGreaterThan(pacedMbps * 0.85);
    expect(result.downloadMbps!).toBeLessThan(pacedMbps * 1.15);
  });

  test("failing server: a 5xx download is a clear error", async () => {
    const { mock, provider } = await setup();
    mock.setFaults({ download: { status: 502 } });
    await expect(provider.run(runOptions({ serverId: "1001" }))).rejects.toThrow(
      "speedtest.net download failed: the server answered HTTP 502 for http://127.0.0.1",
    );
  });

  test("failing server: no latency answer at all is a clear error", async () => {
    const { mock, provider } = await setup();
    mock.setFaults({ latency: { status: 500 } });
    const error = await provider.run(runOptions({ serverId: "1001" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain("speedtest.net latency test failed: the server answered HTTP 500");
  });

  test("truncated images: the bytes that arrived are measured; truncated upload answers fail the upload", async () => {
    const { mock, provider } = await setup();
    mock.setFaults({ download: { truncate: true } });
    const partial = await provider.run(runOptions({ serverId: "1001", enableUpload: false }));
    expect(partial.downloadMbps!).toBeGreaterThan(0);
    expect(partial.bytesDownloaded).toBeLessThanOrEqual(mock.counters.downloadBytes);
    mock.setFaults({ upload: { truncate: true } });
    await expect(provider.run(runOptions({ serverId: "1001", enableDownload: false }))).rejects.toThrow(
      "speedtest.net upload failed: the server closed the connection mid-transfer",
    );
  });

  test("a phase over the timeout is a clear error", async () => {
    const servers = DEFAULT_SERVERS.map((s) => ({ ...s, latencyMs: 300 }));
    const { provider } = await setup({ servers }, { timeoutSeconds: 1, pingIntervalMs: 0 });
    await expect(provider.run(runOptions({ serverId: "1001" }))).rejects.toThrow(
      "speedtest.net latency test did not finish within the 1 s timeout",
    );
  });

  test("abort during the download stops all traffic promptly and rejects with the reason", async () => {
    const { mock, provider } = await setup({}, { durationSeconds: 5 });
    mock.setFaults({ download: { bytesPerSecond: 20_000_000 } });
    const controller = new AbortController();
    const reason = new Error("cancelled by user");
    const options = runOptions({ serverId: "1001", signal: controller.signal });
    const pending = provider.run(options).catch((e: unknown) => e);
    while (!options.progress.some((p) => p.phase === "download" && p.percent > 5)) await Bun.sleep(20);
    expect(mock.counters.activeTransfers).toBe(2);
    const abortedAt = performance.now();
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(performance.now() - abortedAt).toBeLessThan(200);
    await Bun.sleep(100);
    expect(mock.counters.activeTransfers).toBe(0);
    expect(mock.counters.uploadRequests).toBe(0);
  });
});

describe("the local speedtest.net server", () => {
  test("every image request is a slice of one shared store: stalled downloads hold no copies of the image", async () => {
    const mock = await startSpeedtestNetServer();
    running.push(mock);
    const clients = 6;
    const image = IMAGE_SIZES[4000]!;
    const url = new URL(`${mock.url}/srv/1001/speedtest/random4000x4000.jpg`);
    Bun.gc(true);
    const rssBefore = process.memoryUsage().rss;
    const sockets: Socket[] = [];
    try {
      // Each client reads the first bytes of its answer, then stops reading: the server keeps the rest of the body.
      await Promise.all(
        Array.from(
          { length: clients },
          () =>
            new Promise<void>((resolve, reject) => {
              const socket = connect(Number(url.port), url.hostname, () =>
                socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`),
              );
              sockets.push(socket);
              socket.once("data", () => {
                socket.pause();
                resolve();
              });
              socket.once("error", reject);
            }),
        ),
      );
      // Let the server fill the socket buffers and park the rest of each body.
      await Bun.sleep(300);
      Bun.gc(true);
      const grownBy = process.memoryUsage().rss - rssBefore;
      expect(mock.counters.downloadRequests).toBe(clients);
      // A copy per request would add most of clients × 31.6 MB; shared slices add socket buffers only.
      expect(grownBy).toBeLessThan(image);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});
