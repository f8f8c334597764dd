import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NotFound } from "../../src/core/errors";
import { createLibreSpeedProvider, type LibreSpeedSettings } from "../../src/measure/providers/librespeed";
import { parseClientInfo, parseServerList } from "../../src/measure/providers/librespeed-catalog";
import { ProviderError } from "../../src/measure/providers/provider";
import { recordingRunOptions as runOptions } from "../helpers/provider-run";
import {
  DEFAULT_LIBRESPEED_SERVERS,
  type LibreSpeedServerOptions,
  type ListForm,
  type RunningLibreSpeedServer,
  startLibreSpeedServer,
} from "../servers/librespeed-server";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netronome-librespeed-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const running: RunningLibreSpeedServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

let fileCount = 0;

/** A mock backend, a librespeed-servers.json listing `customIds` of it in `customForm`, and a provider using both lists. */
async function setup(
  options: {
    server?: LibreSpeedServerOptions;
    customIds?: number[];
    customForm?: ListForm;
    withPublicList?: boolean;
  } = {},
  settings: Partial<LibreSpeedSettings> = {},
) {
  const mock = await startLibreSpeedServer(options.server);
  running.push(mock);
  const serversFile = join(dir, `librespeed-servers-${++fileCount}.json`);
  const custom = mock.servers.filter((s) => (options.customIds ?? [1, 2]).includes(s.id));
  await Bun.write(serversFile, JSON.stringify(custom.map((s) => mock.entry(s, options.customForm ?? "server-path"))));
  const provider = createLibreSpeedProvider({
    serversFile,
    publicServersUrl: options.withPublicList === false ? "" : mock.serversUrl,
    timeoutSeconds: 20,
    durationSeconds: 1,
    graceSeconds: 0.3,
    downloadStreams: 2,
    uploadStreams: 2,
    chunkCount: 25,
    ...settings,
  });
  return { mock, provider, serversFile };
}

const signal = () => new AbortController().signal;

describe("LibreSpeed server lists", () => {
  test("custom and public IDs never collide, and isPublic tells them apart", async () => {
    // The custom file and the public list both use IDs 1 and 2.
    const { mock, provider } = await setup();
    const servers = await provider.listServers(signal());
    expect(servers.map((s) => s.id)).toEqual(["custom-1", "custom-2", "public-1", "public-2", "public-3"]);
    expect(new Set(servers.map((s) => s.id)).size).toBe(servers.length);
    expect(servers.map((s) => s.isPublic)).toEqual([false, false, true, true, true]);
    expect(servers[0]).toMatchObject({
      name: "Amsterdam, Netherlands",
      country: "Netherlands",
      sponsor: "Canal Net",
      host: new URL(mock.url).host,
      url: `${mock.url}/s/1/backend/`,
      isLibrespeed: true,
      isIperf: false,
    });
    expect(servers[4]).toMatchObject({ country: "United Kingdom", sponsor: "", url: `${mock.url}/s/3/` });
  });

  test("the public list is cached for 30 minutes", async () => {
    const { mock, provider } = await setup();
    await provider.listServers(signal());
    await provider.listServers(signal());
    expect(mock.counters.listRequests).toBe(1);
  });

  test("no librespeed-servers.json means public servers only; no public URL means custom only", async () => {
    const { mock } = await setup();
    const publicOnly = createLibreSpeedProvider({
      serversFile: join(dir, "absent.json"),
      publicServersUrl: mock.serversUrl,
      timeoutSeconds: 20,
    });
    expect((await publicOnly.listServers(signal())).every((s) => s.isPublic)).toBe(true);
    const { provider: customOnly } = await setup({ withPublicList: false });
    expect((await customOnly.listServers(signal())).map((s) => s.id)).toEqual(["custom-1", "custom-2"]);
  });

  test("an unreachable public list leaves the custom servers usable", async () => {
    const { provider } = await setup({}, { publicServersUrl: "http://127.0.0.1:9/servers.json" });
    expect((await provider.listServers(signal())).map((s) => s.id)).toEqual(["custom-1", "custom-2"]);
  });

  test("a broken librespeed-servers.json is an error naming the file", async () => {
    const serversFile = join(dir, "broken.json");
    await Bun.write(serversFile, "[{ not json");
    const provider = createLibreSpeedProvider({ serversFile, publicServersUrl: "", timeoutSeconds: 20 });
    await expect(provider.listServers(signal())).rejects.toThrow(`${serversFile} is not valid JSON`);
  });

  test("both URL forms resolve to the same endpoints; slashes and protocol-relative servers are handled", () => {
    const seedForm = parseServerList(
      [
        {
          id: 1,
          name: "A",
          server: "http://h/backend",
          dlURL: "garbage.php",
          ulURL: "empty.php",
          pingURL: "empty.php",
          getIpURL: "getIP.php",
        },
      ],
      "custom-",
      "http://localhost/",
    );
    const publicForm = parseServerList(
      [
        {
          id: 1,
          name: "A",
          server: "//h/",
          dlURL: "backend/garbage.php",
          ulURL: "backend/empty.php",
          pingURL: "backend/empty.php",
          getIpURL: "backend/getIP.php",
        },
      ],
      "public-",
      "https://lists.example/servers.json",
    );
    expect(seedForm[0]).toMatchObject({
      downloadUrl: "http://h/backend/garbage.php",
      uploadUrl: "http://h/backend/empty.php",
      pingUrl: "http://h/backend/empty.php",
      getIpUrl: "http://h/backend/getIP.php",
    });
    // A protocol-relative server takes the scheme of the list it came from.
    expect(publicForm[0]).toMatchObject({
      downloadUrl: "https://h/backend/garbage.php",
      getIpUrl: "https://h/backend/getIP.php",
    });
    const trailing = parseServerList(
      [{ id: 2, server: "http://h/backend/", dlURL: "/garbage" }],
      "custom-",
      "http://localhost/",
    );
    expect(trailing[0]!.downloadUrl).toBe("http://h/backend/garbage");
    expect(trailing[0]!.name).toBe("h");
  });

  test("entries without an ID or server, with a bad URL, or repeating an ID are skipped", () => {
    const servers = parseServerList(
      [
        { id: 1, server: "http://a/" },
        { server: "http://b/" },
        { id: 2 },
        { id: 3, server: "ftp://c/" },
        { id: 1, server: "http://d/" },
      ],
      "custom-",
      "http://localhost/",
    );
    expect(servers.map((s) => [s.id, s.base])).toEqual([["custom-1", "http://a/"]]);
    expect(parseServerList({ not: "a list" }, "public-", "http://localhost/")).toEqual([]);
  });
});

describe("LibreSpeed server choice", () => {
  test("by ID, in both URL forms", async () => {
    const { mock, provider } = await setup({ customIds: [1] });
    const custom = await provider.run(runOptions({ serverId: "custom-1", enableDownload: false, enableUpload: false }));
    expect(custom).toMatchObject({ serverId: "custom-1", serverName: "Amsterdam, Netherlands" });
    expect(mock.counters.pingRequests[1]).toBe(12);
    const publicRun = await provider.run(
      runOptions({ serverId: "public-2", enableDownload: false, enableUpload: false }),
    );
    expect(publicRun.serverId).toBe("public-2");
    expect(mock.counters.pingRequests[2]).toBe(12);
  });

  test("automatic: the lowest ping wins", async () => {
    const servers = DEFAULT_LIBRESPEED_SERVERS.map((s) => ({ ...s, latencyMs: s.id === 3 ? 2 : 40 }));
    const { provider } = await setup({ server: { servers }, customIds: [1] });
    const result = await provider.run(runOptions({ enableDownload: false, enableUpload: false }));
    expect(result.serverId).toBe("public-3");
  });

  test("an unknown ID is a not-found error naming it", async () => {
    const { mock, provider } = await setup();
    for (const id of ["public-77", "custom-9", "1"]) {
      const error = await provider.run(runOptions({ serverId: id })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFound);
      expect((error as Error).message).toStartWith(`LibreSpeed server "${id}" not found`);
    }
    expect(mock.counters.downloadRequests).toBe(0);
  });

  test("no servers at all is a clear error", async () => {
    const provider = createLibreSpeedProvider({
      serversFile: join(dir, "absent.json"),
      publicServersUrl: "",
      timeoutSeconds: 20,
    });
    await expect(provider.run(runOptions())).rejects.toThrow("no LibreSpeed servers");
  });
});

describe("LibreSpeed run", () => {
  test("ping, download and upload: plausible, consistent with the bytes, progress in phase order", async () => {
    const { mock, provider } = await setup();
    const options = runOptions({ serverId: "custom-2" });
    const result = await provider.run(options);
    expect(result).toMatchObject({ serverId: "custom-2", serverName: "Frankfurt, Germany", packetLoss: null });
    expect(result.serverHost).toBe(new URL(mock.url).host);
    expect(result.latencyMs!).toBeGreaterThan(0);
    expect(result.latencyMs!).toBeLessThan(50);
    expect(result.jitterMs!).toBeGreaterThanOrEqual(0);
    expect(mock.counters.downloadChunkSizes.every((n) => n === 25)).toBe(true);
    for (const [mbps, bytes, served] of [
      [result.downloadMbps!, result.bytesDownloaded, mock.counters.downloadBytes],
      [result.uploadMbps!, result.bytesUploaded, mock.counters.uploadBytes],
    ] as const) {
      expect(mbps).toBeGreaterThan(10);
      expect((mbps * 1e6) / 8).toBeLessThanOrEqual(bytes);
      expect(bytes).toBeLessThanOrEqual(served);
    }
    const phases = options.progress.map((p) => p.phase);
    expect(phases.lastIndexOf("latency")).toBeLessThan(phases.indexOf("download"));
    expect(phases.lastIndexOf("download")).toBeLessThan(phases.indexOf("upload"));
    expect(options.progress.filter((p) => p.latencyMs !== undefined)).toHaveLength(11);
    expect(options.progress.at(-1)).toEqual({ phase: "upload", mbps: result.uploadMbps!, percent: 100 });
  });

  test("slow server: latency and rate reflect the delay and the pace", async () => {
    const servers = DEFAULT_LIBRESPEED_SERVERS.map((s) => ({ ...s, latencyMs: 20 }));
    const { mock, provider } = await setup({ server: { servers } });
    const bytesPerSecond = 3_000_000;
    mock.setFaults({ download: { bytesPerSecond } });
    const result = await provider.run(runOptions({ serverId: "public-1", enableUpload: false }));
    expect(result.latencyMs!).toBeGreaterThanOrEqual(20);
    expect(result.latencyMs!).toBeLessThan(35);
    const pacedMbps = (2 * bytesPerSecond * 8) / 1e6;
    expect(result.downloadMbps!).toBeGreaterThan(pacedMbps * 0.85);
    expect(result.downloadMbps!).toBeLessThan(pacedMbps * 1.15);
  });

  test("failing and truncating servers: clear errors, or a partial measurement of what arrived", async () => {
    const { mock, provider } = await setup();
    mock.setFaults({ upload: { status: 503 } });
    await expect(provider.run(runOptions({ serverId: "custom-1", enableDownload: false }))).rejects.toThrow(
      "LibreSpeed upload failed: the server answered HTTP 503",
    );
    mock.setFaults({ latency: { status: 500 } });
    await expect(provider.run(runOptions({ serverId: "custom-1" }))).rejects.toThrow(ProviderError);
    mock.setFaults({ download: { truncate: true } });
    const partial = await provider.run(runOptions({ serverId: "custom-1", enableUpload: false }));
    expect(partial.downloadMbps!).toBeGreaterThan(0);
    expect(partial.bytesDownloaded).toBeLessThanOrEqual(mock.counters.downloadBytes);
  });

  test("the whole test is bounded by the timeout", async () => {
    const servers = DEFAULT_LIBRESPEED_SERVERS.map((s) => ({ ...s, latencyMs: 200 }));
    const { provider } = await setup({ server: { servers } }, { timeoutSeconds: 1 });
    await expect(provider.run(runOptions({ serverId: "custom-1" }))).rejects.toThrow(
      "LibreSpeed test did not finish within the 1 s timeout",
    );
  });

  test("abort during the upload stops all traffic promptly and rejects with the reason", async () => {
    const { mock, provider } = await setup({}, { durationSeconds: 5 });
    const controller = new AbortController();
    const reason = new Error("cancelled by user");
    const options = runOptions({ serverId: "custom-1", enableDownload: false, signal: controller.signal });
    const pending = provider.run(options).catch((e: unknown) => e);
    while (!options.progress.some((p) => p.phase === "upload" && p.percent > 5)) await Bun.sleep(20);
    const abortedAt = performance.now();
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(performance.now() - abortedAt).toBeLessThan(200);
    await Bun.sleep(100);
    expect(mock.counters.activeTransfers).toBe(0);
    const received = mock.counters.uploadBytes;
    await Bun.sleep(200);
    expect(mock.counters.uploadBytes).toBe(received);
  });
});

describe("LibreSpeed getIP", () => {
  test("a run asks its server for the ISP once and puts it on the result", async () => {
    const rawIspInfo = { ip: "203.0.113.7", org: "AS64500 Example Fibre", country: "NL" };
    const { mock, provider } = await setup({ server: { rawIspInfo } });
    const result = await provider.run(runOptions({ serverId: "custom-1", enableDownload: false, enableUpload: false }));
    expect(result.isp).toBe("Example Fibre");
    expect(mock.counters.getIpRequests).toBe(1);
  });

  test("a getIP failure leaves the ISP unknown and the test goes on", async () => {
    const { provider, serversFile } = await setup();
    const servers = JSON.parse(await Bun.file(serversFile).text());
    servers[0].getIpURL = "missing.php";
    await Bun.write(serversFile, JSON.stringify(servers));
    const result = await provider.run(runOptions({ serverId: "custom-1", enableDownload: false, enableUpload: false }));
    expect(result.isp).toBeNull();
    expect(result.latencyMs!).toBeGreaterThan(0);
  });

  test("the localhost label, without the IP", async () => {
    const { mock, provider } = await setup();
    expect(await provider.clientInfo(signal(), "public-1")).toEqual({ isp: "localhost IPv4 access", country: null });
    expect(mock.counters.getIpRequests).toBe(1);
  });

  test("ipinfo-style rawIspInfo: ISP without its AS number, and the country", async () => {
    const rawIspInfo = { ip: "203.0.113.7", org: "AS64500 Example Fibre", country: "NL", city: "Amsterdam" };
    const { provider } = await setup({ server: { rawIspInfo } });
    const info = await provider.clientInfo(signal());
    expect(info).toEqual({ isp: "Example Fibre", country: "NL" });
    expect(JSON.stringify(info)).not.toContain("203.0.113.7");
  });

  test("offline-database and plain-text answers", () => {
    expect(
      parseClientInfo('{"processedString":"x","rawIspInfo":{"as_name":"Example AS","country_name":"Austria"}}'),
    ).toEqual({
      isp: "Example AS",
      country: "Austria",
    });
    expect(parseClientInfo("198.51.100.4 - Example ISP, AT (120 km)")).toEqual({
      isp: "Example ISP, AT",
      country: null,
    });
    expect(parseClientInfo("198.51.100.4")).toEqual({ isp: null, country: null });
  });
});
