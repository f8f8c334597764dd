/**
 * The hub's LibreSpeed-compatible endpoint on a real socket (Bun's router serves it before the web app): no session
 * needed, its token in the path, base_url respected, and the appliance's own LibreSpeed client measuring through it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLibreSpeedProvider } from "../../src/measure/providers/librespeed";
import { startSqliteTestApp, type TestApp } from "../helpers/app";

const TOKEN = "hub-librespeed-token-0123";

describe("the hub's LibreSpeed endpoint", () => {
  let hub: TestApp;
  let origin: string;
  beforeAll(async () => {
    hub = await startSqliteTestApp({
      server: { base_url: "/netronome" },
      librespeed_server: { enabled: true, token: TOKEN, path: "/speed" },
    });
    hub.app.listen({ hostname: "127.0.0.1", port: 0 });
    origin = `http://127.0.0.1:${hub.app.server!.port}`;
  });
  afterAll(async () => {
    await hub?.app.stop(true);
    await hub?.close();
  });

  test("serves garbage, empty and getIP under base_url without a session; a wrong token is a plain 404", async () => {
    const base = `${origin}/netronome/speed/${TOKEN}`;
    const garbage = await fetch(`${base}/garbage.php?ckSize=1`);
    expect([garbage.status, (await garbage.arrayBuffer()).byteLength]).toEqual([200, 1024 * 1024]);
    // LibreSpeed's web page uploads 20 MiB at a time: far more than any route of the app takes.
    const upload = await fetch(`${base}/empty`, { method: "POST", body: new Uint8Array(20 * 1024 * 1024) });
    expect([upload.status, await upload.text()]).toEqual([200, ""]);
    const api = await fetch(`${origin}/netronome/api/speedtest`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(20 * 1024 * 1024) },
      body: new Uint8Array(20 * 1024 * 1024),
    });
    expect(api.status).not.toBe(200);
    expect(await (await fetch(`${base}/getIP?isp=true`)).json()).toEqual({
      processedString: "127.0.0.1 - localhost IPv4 access",
      rawIspInfo: "",
    });
    for (const path of [`/netronome/speed/wrong-token-0123456789/garbage`, `/netronome/speed/${TOKEN}/login`]) {
      const res = await fetch(`${origin}${path}`);
      expect([path, res.status, await res.text()]).toEqual([path, 404, "not found"]);
    }
  });

  test("the appliance's LibreSpeed client measures through it", async () => {
    const provider = createLibreSpeedProvider({
      serversFile: "/nonexistent/librespeed-servers.json",
      publicServersUrl: "",
      timeoutSeconds: 30,
      durationSeconds: 1,
      graceSeconds: 0.3,
    });
    const m = await provider.run({
      serverId: "hub",
      libreSpeedServer: {
        name: "hub",
        server: `${origin}/netronome/speed/${TOKEN}/`,
        dlURL: "garbage",
        ulURL: "empty",
        pingURL: "empty",
        getIpURL: "getIP",
      },
      enableDownload: true,
      enableUpload: true,
      signal: AbortSignal.timeout(30_000),
      onProgress: () => {},
    });
    expect(m.downloadMbps).toBeGreaterThan(10);
    expect(m.uploadMbps).toBeGreaterThan(10);
  }, 40_000);
});

describe("the hub's LibreSpeed endpoint, configured", () => {
  test("off by default: the path is not served", async () => {
    const hub = await startSqliteTestApp();
    try {
      hub.app.listen({ hostname: "127.0.0.1", port: 0 });
      const res = await fetch(`http://127.0.0.1:${hub.app.server!.port}/librespeed/x/garbage`, { redirect: "manual" });
      expect(res.status).not.toBe(200);
      expect(res.headers.get("content-type")).not.toBe("application/octet-stream");
    } finally {
      await hub.app.stop(true);
      await hub.close();
    }
  });

  test("on without a token the hub refuses to start, saying what to set", async () => {
    const error = await startSqliteTestApp({ librespeed_server: { enabled: true } }).catch((e) => e);
    expect(String(error)).toContain("[librespeed_server] enabled needs a token on the hub");
  });
});
