/**
 * Notifications as an attacker uses them, against the compiled binary: "Send test" and saved channels pointed at
 * internal services (loopback stands for the LAN, a metadata service or an admin page). Channels may reach any host
 * a self-hosted tool legitimately notifies (a local ntfy or Gotify), but only for a signed-in user, one request per
 * test, no redirects followed, and nothing of the target's answer ever comes back: not in the API answer, the
 * delivery history or the log (defect: the first 200 characters of an error page, a redirect's Location and an
 * SSH banner were echoed, which made Send test a way to read internal pages).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { ADMIN, registerAdmin } from "../helpers/admin";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { type ServerProcess, startServer } from "../helpers/server-process";
import { HttpReceiver } from "../servers/http-receiver";

const PAGE_SECRET = "INTERNAL-PAGE-7f3a";
const LOCATION_SECRET = "LOCATION-SECRET-91c4";
const BANNER_SECRET = "BANNER-SECRET-d2e8";

let server: ServerProcess;
let token: string;
const target = new HttpReceiver();
const banner = net.createServer((socket) => {
  socket.on("error", () => undefined);
  socket.end(`SSH-2.0-OpenSSH_9.2 ${BANNER_SECRET}\r\n`);
});

beforeAll(async () => {
  const bin = await compiledBinary();
  target.start();
  await new Promise<void>((resolve) => banner.listen(0, "127.0.0.1", resolve));
  server = await startServer([bin, "serve"]);
  await registerAdmin(server.url);
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  token = (await login.json()).access_token;
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  await target.stop();
  banner.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });

const secretsIn = (text: string) => [PAGE_SECRET, LOCATION_SECRET, BANNER_SECRET].filter((s) => text.includes(s));

describe("Send test against internal targets", () => {
  test("error pages, redirects and banners of any channel type are reported by status only", async () => {
    target.respond = (r) =>
      r.path.startsWith("/redirect")
        ? new Response(null, {
            status: 302,
            headers: { location: `http://169.254.169.254/latest/meta-data/?${LOCATION_SECRET}` },
          })
        : new Response(`<h1>Admin</h1> ${PAGE_SECRET} db_password=hunter2`, {
            status: r.path.includes("fivehundred") ? 500 : 403,
          });
    const host = target.host;
    const bannerPort = (banner.address() as net.AddressInfo).port;
    const urls = [
      `${target.origin}/admin`,
      `${target.origin}/redirect`,
      `${target.origin}/fivehundred`,
      `generic://${host}/admin?disabletls=yes`,
      `ntfy://${host}/alerts?scheme=http`,
      `gotify://${host}/Atoken12345?disabletls=yes`,
      `matrix://:accesstoken@${host}/?rooms=!room:example.org&disableTLS=yes`,
      `smtp://127.0.0.1:${bannerPort}/?from=a@example.org&to=b@example.org&encryption=none`,
    ];
    for (const url of urls) {
      const res = await post("/api/notifications/test", { url });
      const text = await res.text();
      expect([url, res.status]).toEqual([url, 502]);
      expect([url, secretsIn(text)]).toEqual([url, []]);
      expect(JSON.parse(text).message).toMatch(/HTTP [345]\d\d|redirect|not an SMTP server/);
    }
    const history = await fetch(`${server.url}/api/notifications/history`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const rows = (await history.json()) as { error_message: string | null }[];
    expect(rows.length).toBeGreaterThanOrEqual(urls.length);
    expect(secretsIn(JSON.stringify(rows))).toEqual([]);
    const page = await fetch(`${server.url}/settings/notifications`, { headers: { authorization: `Bearer ${token}` } });
    expect(page.status).toBe(200);
    expect(secretsIn(await page.text())).toEqual([]);
  }, 60_000);

  test("a target that answers something other than HTTP: named as such, without Bun's advice or the URL", async () => {
    const garbage = net.createServer((socket) => {
      socket.on("error", () => undefined);
      socket.once("data", () => socket.end(`SSH-2.0-OpenSSH_9.2 ${BANNER_SECRET}\r\n\r\n`));
    });
    await new Promise<void>((resolve) => garbage.listen(0, "127.0.0.1", resolve));
    try {
      const port = (garbage.address() as net.AddressInfo).port;
      const res = await post("/api/notifications/test", { url: `http://127.0.0.1:${port}/hooks/${PAGE_SECRET}` });
      expect(res.status).toBe(502);
      const { message } = await res.json();
      expect(message).toBe(`127.0.0.1:${port}: not an HTTP answer (Malformed_HTTP_Response)`);
    } finally {
      garbage.close();
    }
  });

  test("a saved channel's failures say as little", async () => {
    target.respond = () => new Response(`${PAGE_SECRET}`, { status: 404 });
    const created = await post("/api/notifications/channels", { name: "internal", url: `${target.origin}/x` });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const res = await post("/api/notifications/test", { channel_id: id });
    expect(res.status).toBe(502);
    const { message } = await res.json();
    expect(message).toContain("HTTP 404");
    expect(secretsIn(message)).toEqual([]);
  });

  test("no session or a foreign Origin: refused before anything is sent", async () => {
    const before = target.requests.length;
    const anonymous = await fetch(`${server.url}/api/notifications/test`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: `${target.origin}/anonymous` }),
    });
    expect(anonymous.status).toBe(401);
    // A browser sends its session cookie along with a foreign page's request (a bearer header it never adds by
    // itself, so bearer requests are not checked for their Origin).
    const crossSite = await fetch(`${server.url}/api/notifications/test`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: `session=${token}`, origin: "http://evil.example" },
      body: JSON.stringify({ url: `${target.origin}/cross-site` }),
    });
    expect(crossSite.status).toBe(403);
    const asForm = await fetch(`${server.url}/api/notifications/test`, {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${token}` },
      body: JSON.stringify({ url: `${target.origin}/form` }),
    });
    expect(asForm.status).toBe(415);
    await Bun.sleep(200);
    expect(target.requests.length).toBe(before);
  });

  test("200 parallel tests at a target that never answers: two reach it, the rest are told to wait", async () => {
    target.respond = () => "hang";
    const before = target.requests.length;
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => post("/api/notifications/test", { url: `${target.origin}/hang/${i}` })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBe(198);
    expect(statuses.filter((s) => s === 502).length).toBe(2);
    expect(target.requests.length - before).toBe(2);
    expect(answers.find((r) => r.status === 429)!.headers.get("retry-after")).toBeTruthy();
  }, 60_000);

  test("the log carries no part of any answer", async () => {
    await server.stop();
    expect(secretsIn(await server.stderr())).toEqual([]);
  });
});
