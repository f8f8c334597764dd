/** The /api/notifications API on both dialects: the original's paths and fields, validation, masking, tests. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Client, signedInClient, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";
import { HttpReceiver } from "../servers/http-receiver";

const DISCORD_TOKEN = "Sup3rSecretDiscordToken_xyz";
const HOOK_SECRET = "hook-secret-3f9a7c";

describeEachDialect("notifications API", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  let c: Client;
  const receiver = new HttpReceiver();
  /** Every answer body, to check that no secret ever leaves. */
  const answers: string[] = [];
  const call = async (method: string, path: string, json?: unknown) => {
    const res = await c.fetch(path, { method, ...(json !== undefined ? { json } : {}) });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    receiver.start();
    database = await dialect.create();
    t = await startTestApp(
      database,
      {
        notifications: {
          enabled: true,
          webhook_url: `https://discord.com/api/webhooks/123456789012345678/${DISCORD_TOKEN}`,
          discord_mention_id: "&111111111111111111",
        },
      },
      { delivery: { timeoutMs: 2000, backoffMs: [], maxQueue: 10, origins: { discord: receiver.origin } } },
    );
    await t.start();
    c = await signedInClient(t);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
    await database.drop();
    for (const a of answers) {
      expect(a).not.toContain(DISCORD_TOKEN);
      expect(a).not.toContain(HOOK_SECRET);
    }
  });

  test("without a session every route answers 401", async () => {
    const anonymous = new (c.constructor as new (app: TestApp["app"]) => Client)(t.app);
    for (const [method, path] of [
      ["GET", "/api/notifications/channels"],
      ["POST", "/api/notifications/channels"],
      ["GET", "/api/notifications/events"],
      ["GET", "/api/notifications/rules"],
      ["POST", "/api/notifications/test"],
      ["GET", "/api/notifications/history"],
    ] as const) {
      const res = await anonymous.fetch(path, {
        method,
        json: method === "POST" ? { url: "https://example.com" } : undefined,
      });
      expect(res.status).toBe(401);
    }
  });

  test("the event catalogue: the original's 15 events and fields; filter by category", async () => {
    const { body } = await call("GET", "/api/notifications/events");
    expect(body.length).toBe(15);
    expect(body[1]).toEqual({
      id: 2,
      category: "speedtest",
      event_type: "ping_high",
      name: "Latency high",
      description: expect.any(String),
      default_enabled: true,
      supports_threshold: true,
      threshold_unit: "ms",
      default_threshold: 30,
      default_operator: "gt",
      instant: false,
    });
    const agent = await call("GET", "/api/notifications/events?category=agent");
    expect(agent.body.map((e: { event_type: string }) => e.event_type)).toEqual([
      "offline",
      "online",
      "high_bandwidth",
      "disk_space_low",
      "cpu_high",
      "memory_high",
      "temperature_high",
    ]);
    expect((await call("GET", "/api/notifications/events?category=nope")).status).toBe(400);
  });

  test("the [notifications] channel is listed first, read-only, with its token masked", async () => {
    const { body } = await call("GET", "/api/notifications/channels");
    expect(body[0]).toMatchObject({ id: 0, type: "discord", from_config: true, enabled: true });
    expect(body[0].url).toStartWith("discord://");
    expect(decodeURIComponent(body[0].url)).toContain("••••••@123456789012345678");
    expect((await call("PUT", "/api/notifications/channels/0", { name: "x" })).status).toBe(403);
    expect((await call("DELETE", "/api/notifications/channels/0")).status).toBe(403);
    expect((await call("POST", "/api/notifications/rules", { channel_id: 0, event_id: 1 })).status).toBe(400);
  });

  test("testing the [notifications] channel reaches Discord with the configured mention", async () => {
    const before = receiver.requests.length;
    const { status, body } = await call("POST", "/api/notifications/test", { channel_id: 0 });
    expect(status).toBe(200);
    expect(body.success).toBe(true);
    const r = receiver.requests[before]!;
    expect(r.path).toBe(`/api/webhooks/123456789012345678/${DISCORD_TOKEN}`);
    expect(JSON.parse(r.body).embeds[0].title).toBe("Netronome test notification");
  });

  let hookId = 0;
  describe("channels", () => {
    test("create: the URL is validated and answered masked", async () => {
      const { status, body } = await call("POST", "/api/notifications/channels", {
        name: "<b>Lab</b> hook",
        url: `${receiver.origin}/in/${HOOK_SECRET}`,
      });
      expect(status).toBe(201);
      expect(Object.keys(body).sort()).toEqual(
        ["created_at", "enabled", "from_config", "id", "name", "type", "updated_at", "url"].sort(),
      );
      expect(body).toMatchObject({ name: "<b>Lab</b> hook", type: "webhook", enabled: true, from_config: false });
      expect(body.url).toBe(`${receiver.origin}/••••••`);
      hookId = body.id;
    });

    test.each([
      [{ name: "x", url: "ftp://example.com/file" }, "url", "unknown scheme"],
      [{ name: "x", url: "file:///etc/passwd" }, "url", "unknown scheme"],
      [{ name: "x", url: "discord://short@1" }, "url", "Discord"],
      [{ name: "", url: "https://example.com" }, "name", "name"],
      [{ name: "x".repeat(101), url: "https://example.com" }, "name", "at most 100"],
      [{ name: "x", url: `https://example.com/${"a".repeat(5000)}` }, "url", "at most 2048"],
      [{ name: "x" }, "url", "url"],
    ])("refused: %j", async (json, field, message) => {
      const { status, body } = await call("POST", "/api/notifications/channels", json);
      expect(status).toBe(400);
      expect(JSON.stringify(body)).toContain(message);
      expect(JSON.stringify(body)).toContain(field);
    });

    test("edit with the masked URL keeps the secret; the channel still reaches its secret path", async () => {
      const current = (await call("GET", `/api/notifications/channels/${hookId}`)).body;
      const { status, body } = await call("PUT", `/api/notifications/channels/${hookId}`, {
        name: "Lab hook",
        url: current.url,
      });
      expect(status).toBe(200);
      expect(body.name).toBe("Lab hook");
      const before = receiver.requests.length;
      expect((await call("POST", "/api/notifications/test", { channel_id: hookId })).status).toBe(200);
      expect(receiver.requests[before]!.path).toBe(`/in/${HOOK_SECRET}`);
    });

    test("a failing channel: 502 with the status, never the target's answer; recorded in the history", async () => {
      receiver.respond = (r) => new Response(`no such hook ${r.path}`, { status: 404 });
      try {
        const { status, body } = await call("POST", "/api/notifications/test", { channel_id: hookId });
        expect(status).toBe(502);
        expect(body.message).toEndWith("HTTP 404 Not Found");
        expect(body.message).not.toContain("no such hook");
        expect(body.message).not.toContain(HOOK_SECRET);
      } finally {
        receiver.respond = () => Response.json({ ok: true });
      }
      const history = (await call("GET", "/api/notifications/history?limit=2")).body;
      expect(history[0]).toMatchObject({
        channel_id: hookId,
        channel_name: "Lab hook",
        success: false,
        event_name: "Test",
      });
      expect(history[1]).toMatchObject({ channel_id: hookId, success: true, attempts: 1 });
      expect(
        (await call("GET", `/api/notifications/history?channel_id=0`)).body.every(
          (h: { channel_id: number }) => h.channel_id === 0,
        ),
      ).toBe(true);
    });

    test("test with a URL: validated like a saved channel, never an open relay", async () => {
      expect((await call("POST", "/api/notifications/test", { url: "gopher://127.0.0.1:70/x" })).status).toBe(400);
      expect((await call("POST", "/api/notifications/test", { url: "http://" })).status).toBe(400);
      expect((await call("POST", "/api/notifications/test", {})).status).toBe(400);
      const ok = await call("POST", "/api/notifications/test", { url: `${receiver.origin}/adhoc` });
      expect(ok.status).toBe(200);
      // Only a status comes back, never the target's answer.
      expect(Object.keys(ok.body).sort()).toEqual(["message", "success"]);
    });

    test("a masked secret never follows the channel to another server: it must be given again", async () => {
      // Defect: editing ntfy's server while leaving the masked password kept the stored password, and the next send
      // delivered it to the new server: whoever could edit a channel could collect every secret the page hides.
      const password = "ntfy-pass-9d41c7";
      const created = await call("POST", "/api/notifications/channels", {
        name: "ntfy",
        url: `ntfy://alice:${password}@${receiver.host}/alerts?scheme=http`,
      });
      expect(created.status).toBe(201);
      const { id, url: masked } = created.body;
      expect(masked).not.toContain(password);
      const elsewhere = masked.replace(receiver.host, "collector.example:8080");
      for (const url of [elsewhere, masked.replace("?scheme=http", ""), elsewhere.replace(/alice:[^@]*@/, "alice:@")]) {
        const moved = await call("PUT", `/api/notifications/channels/${id}`, { url });
        expect([url, moved.status]).toEqual([url, 400]);
        expect(moved.body.message).toMatch(/^(topic|password): the (server|protocol) changed, so the stored/);
      }
      const smtp = await call("POST", "/api/notifications/channels", {
        name: "mail",
        url: `smtp://mailer:${password}@127.0.0.1:2525/?from=a@example.org&to=b@example.org`,
      });
      const mailMasked = smtp.body.url as string;
      for (const url of [
        mailMasked.replace("127.0.0.1:2525", "127.0.0.2:2525"),
        mailMasked.replace(":2525", ":2526"),
      ]) {
        const moved = await call("PUT", `/api/notifications/channels/${smtp.body.id}`, { url });
        expect([url, moved.status]).toEqual([url, 400]);
      }
      // Same server: the secret stays; another server with the secret typed again: fine.
      expect((await call("PUT", `/api/notifications/channels/${id}`, { name: "ntfy 2", url: masked })).status).toBe(
        200,
      );
      const before = receiver.requests.length;
      expect((await call("POST", "/api/notifications/test", { channel_id: id })).status).toBe(200);
      expect(receiver.requests[before]!.headers.get("authorization")).toBe(`Basic ${btoa(`alice:${password}`)}`);
      const retyped = "ntfy://alice:new-password@collector.example:8080/alerts";
      expect((await call("PUT", `/api/notifications/channels/${id}`, { url: retyped })).status).toBe(200);
      await call("DELETE", `/api/notifications/channels/${id}`);
      await call("DELETE", `/api/notifications/channels/${smtp.body.id}`);
    });
  });

  describe("rules", () => {
    let ruleId = 0;
    test("create with the original's fields plus N of M, cooldown, quiet hours, recovery", async () => {
      const { status, body } = await call("POST", "/api/notifications/rules", {
        channel_id: hookId,
        event_id: 3,
        threshold_value: 100,
        threshold_operator: "lt",
        min_breaches: 2,
        window_size: 3,
        cooldown_minutes: 30,
        quiet_start: "22:00",
        quiet_end: "07:00",
      });
      expect(status).toBe(201);
      expect(body).toMatchObject({
        channel_id: hookId,
        event_id: 3,
        event_type: "speedtest.download_low",
        enabled: true,
        threshold_value: 100,
        threshold_operator: "lt",
        min_breaches: 2,
        window_size: 3,
        cooldown_minutes: 30,
        quiet_start: "22:00",
        quiet_end: "07:00",
        notify_recovery: true,
      });
      ruleId = body.id;
    });

    test.each([
      [{ event_id: 4, threshold_operator: "gtx" }, "threshold_operator"],
      [{ event_id: 4, threshold_value: "lots" }, "threshold_value"],
      [{ event_id: 1, threshold_value: 5 }, "has no threshold"],
      [{ event_id: 4, min_breaches: 4, window_size: 3 }, "cannot exceed"],
      [{ event_id: 1, min_breaches: 2, window_size: 3 }, "N of M does not apply"],
      [{ event_id: 4, quiet_start: "25:00", quiet_end: "07:00" }, "quiet_start"],
      [{ event_id: 4, quiet_start: "22:00" }, "quiet_end"],
      [{ event_id: 4, cooldown_minutes: -1 }, "cooldown_minutes"],
      [{ event_id: 99 }, "event_id"],
      [{ event_id: 3 }, "exists already"],
    ])("refused: %j", async (fields, message) => {
      const { status, body } = await call("POST", "/api/notifications/rules", { channel_id: hookId, ...fields });
      expect([400, 409]).toContain(status);
      expect(JSON.stringify(body)).toContain(message);
    });

    test("a rule for a channel that does not exist: 404", async () => {
      expect((await call("POST", "/api/notifications/rules", { channel_id: 9999, event_id: 3 })).status).toBe(404);
    });

    test("list by channel, change, delete", async () => {
      expect(
        (await call("GET", `/api/notifications/rules?channel_id=${hookId}`)).body.map((r: { id: number }) => r.id),
      ).toEqual([ruleId]);
      expect((await call("GET", "/api/notifications/rules?channel_id=9999")).body).toEqual([]);
      const changed = await call("PUT", `/api/notifications/rules/${ruleId}`, {
        enabled: false,
        quiet_start: null,
        quiet_end: null,
      });
      expect(changed.body).toMatchObject({ enabled: false, quiet_start: null, quiet_end: null, min_breaches: 2 });
      expect((await call("PUT", `/api/notifications/rules/${ruleId}`, { threshold_operator: "between" })).status).toBe(
        400,
      );
      expect((await call("DELETE", `/api/notifications/rules/${ruleId}`)).status).toBe(200);
      expect((await call("DELETE", `/api/notifications/rules/${ruleId}`)).status).toBe(404);
    });
  });

  test("a hundred parallel channel creations and tests neither fail nor leak", async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call("POST", "/api/notifications/channels", {
          name: `bulk ${i}`,
          url: `${receiver.origin}/bulk/${HOOK_SECRET}`,
        }),
      ),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    const tests = await Promise.all(
      results.slice(0, 10).map((r) => call("POST", "/api/notifications/test", { channel_id: r.body.id })),
    );
    // At most two tests run at once; the rest are told to wait.
    expect(tests.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    expect(tests.some((r) => r.status === 200)).toBe(true);
  });
});
