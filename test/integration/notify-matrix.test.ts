/**
 * A Matrix channel against a local homeserver, through the real notification service: alerts sign in once and
 * reuse the token (one device, not one per alert), a token the server revoked means one new sign-in and the alert
 * still delivered, and whatever the channel signed in to is signed out of when the channel is changed or deleted,
 * after a test of an unsaved channel, and at shutdown. An access token from the URL is used as it is: never a
 * sign-in, never a sign-out.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { AgentMetrics } from "../../src/hub/agents.events";
import { startSqliteTestApp, type TestApp } from "../helpers/app";
import { MatrixHomeserver } from "../servers/matrix-homeserver";

const DELIVERY = { timeoutMs: 2000, backoffMs: [50, 50], maxQueue: 10 };
const ROOMS = "rooms=!ops:example.org,%23alerts:example.org";
const idle: AgentMetrics = {
  cpuPercent: 10,
  memoryPercent: 20,
  diskUsedPercentMax: 30,
  temperatureMaxC: 40,
  temperatureSensor: "cpu",
};

const hs = new MatrixHomeserver(new Map([["bot", "bot-password-1"]]), { "#alerts:example.org": "!alerts:example.org" });
let app: TestApp;

const matrixUrl = (user: string, secret: string) =>
  `matrix://${user}:${encodeURIComponent(secret)}@${hs.host}/?${ROOMS}&disableTLS=yes`;

/** A channel with an alert for CPU above 90 % on every breach (no N of M, no cooldown, no recovery message). */
async function channelWithAlert(name: string, url: string): Promise<number> {
  const channel = await app.services.notify.createChannel({ name, url });
  await app.services.notify.createRule({
    channel_id: channel.id,
    event_id: 13, // agent cpu_high
    threshold_value: 90,
    threshold_operator: "gt",
    cooldown_minutes: 0,
    notify_recovery: false,
  });
  return channel.id;
}

/** One CPU alert for agent `agentId` (a breach after a calm check), delivered or failed before this resolves. */
async function alert(agentId: number): Promise<void> {
  for (const cpuPercent of [10, 97]) {
    app.services.bus.publish({
      type: "agent.metrics",
      agentId,
      agentName: `agent-${agentId}`,
      at: Date.now(),
      metrics: { ...idle, cpuPercent },
    });
    await app.services.notify.settle();
  }
}

const history = async (channelId: number) => app.services.notify.history(50, { channelId });
const sent = () => hs.messages.length;

beforeAll(async () => {
  hs.start();
  app = await startSqliteTestApp({ server: { timezone: "UTC" } }, { delivery: DELIVERY });
  await app.start();
});
afterAll(async () => {
  await app?.close();
  await hs.stop();
});

describe("a Matrix channel with a user and password", () => {
  let id = 0;
  let deviceAfterFirst = "";

  test("five alerts: one sign-in, one device, every message posted with its token to both rooms", async () => {
    id = await channelWithAlert("ops room", matrixUrl("bot", "bot-password-1"));
    for (let i = 0; i < 5; i++) await alert(1);
    expect(hs.logins).toBe(1);
    expect(hs.devices.size).toBe(1);
    const [device] = [...hs.devices.values()];
    expect(device).toMatchObject({ user: "bot", displayName: "Netronome" });
    deviceAfterFirst = device!.id;
    expect(hs.messages.length).toBe(10);
    expect(new Set(hs.messages.map((m) => m.device))).toEqual(new Set([device!.id]));
    expect(hs.messages.filter((m) => m.roomId === "!alerts:example.org").length).toBe(5);
    expect(hs.messages[0]!.content).toMatchObject({ msgtype: "m.notice", body: expect.stringContaining("agent-1") });
    expect(hs.calls("directory").length).toBe(5);
    const rows = await history(id);
    expect(rows.length).toBe(5);
    expect(rows.every((r) => r.success && r.attempts === 1)).toBe(true);
  });

  test("a new channel's first sends at the same time (two tests and an alert) share one sign-in", async () => {
    const [logins, logouts] = [hs.logins, hs.logouts];
    const other = await channelWithAlert("second room", matrixUrl("bot", "bot-password-1"));
    const results = await Promise.all([
      app.services.notify.test({ channel_id: other }),
      app.services.notify.test({ channel_id: other }),
      alert(1),
    ]);
    expect(results.slice(0, 2).map((o) => o?.ok)).toEqual([true, true]);
    // Its own device, beside the first channel's.
    expect([hs.logins - logins, hs.devices.size]).toEqual([1, 2]);
    await app.services.notify.deleteChannel(other);
    await app.services.notify.settle();
    expect([hs.logouts - logouts, hs.devices.size]).toEqual([1, 1]);
    expect([...hs.devices.values()][0]!.id).toBe(deviceAfterFirst);
  });

  test("a token the homeserver revoked: one new sign-in within the same attempt, and the alert delivered", async () => {
    expect(hs.revoke()).toBe(1);
    const [before, logins] = [sent(), hs.logins];
    await alert(1);
    expect(hs.logins).toBe(logins + 1);
    expect(hs.devices.size).toBe(1);
    expect([...hs.devices.values()][0]!.id).not.toBe(deviceAfterFirst);
    expect(sent()).toBe(before + 2);
    const [latest] = await history(id);
    expect(latest).toMatchObject({ success: true, attempts: 1 });
    // The next alerts use the new token.
    await alert(1);
    expect(hs.logins).toBe(logins + 1);
  });

  test("a token revoked again right after the new sign-in: the alert fails rather than signing in in a loop", async () => {
    // A homeserver that revokes every token as soon as it is used.
    const respond = hs.receiver.respond;
    hs.receiver.respond = (r) => {
      if (r.path.includes("/send/")) hs.revoke();
      return respond(r);
    };
    const logins = hs.logins;
    try {
      await alert(1);
    } finally {
      hs.receiver.respond = respond;
    }
    expect(hs.logins).toBe(logins + 1);
    const [latest] = await history(id);
    expect(latest).toMatchObject({ success: false, attempts: 1 });
    expect(latest!.errorMessage).toContain("HTTP 401");
    // Once the homeserver behaves, the next alert signs in and is delivered.
    await alert(1);
    expect(hs.logins).toBe(logins + 2);
    expect((await history(id))[0]!.success).toBe(true);
  });

  test("the password changed on the channel: the old device is signed out, the next alert signs in anew", async () => {
    hs.passwords.set("bot", "bot-password-2");
    const logouts = hs.logouts;
    const masked = app.services.notify.masked(await app.services.notify.channel(id)).url;
    expect(masked).not.toContain("bot-password");
    await app.services.notify.updateChannel(id, { url: matrixUrl("bot", "bot-password-2") });
    await app.services.notify.settle();
    expect(hs.logouts).toBe(logouts + 1);
    expect(hs.devices.size).toBe(0);
    const logins = hs.logins;
    await alert(1);
    expect(hs.logins).toBe(logins + 1);
    expect((await history(id))[0]!.success).toBe(true);
    // A rename changes nothing the sign-in depends on: it is kept.
    await app.services.notify.updateChannel(id, { name: "ops room (renamed)" });
    await app.services.notify.settle();
    expect(hs.logouts).toBe(logouts + 1);
    expect(hs.devices.size).toBe(1);
  });

  test("the channel deleted: its device is signed out, none is left", async () => {
    const logouts = hs.logouts;
    await app.services.notify.deleteChannel(id);
    await app.services.notify.settle();
    expect(hs.logouts).toBe(logouts + 1);
    expect(hs.devices.size).toBe(0);
  });

  test("a test of an unsaved channel signs in and out at once", async () => {
    const [logins, logouts] = [hs.logins, hs.logouts];
    const outcome = await app.services.notify.test({ url: matrixUrl("bot", "bot-password-2") });
    expect(outcome.ok).toBe(true);
    await app.services.notify.settle();
    expect([hs.logins - logins, hs.logouts - logouts, hs.devices.size]).toEqual([1, 1, 0]);
  });

  test("a wrong password: the failure says the sign-in was refused, and no device is made", async () => {
    const outcome = await app.services.notify.test({ url: matrixUrl("bot", "not-the-password") });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain("the homeserver refused the sign-in as bot");
    expect(outcome.error).toContain("HTTP 403");
    expect(outcome.error).not.toContain("not-the-password");
    expect(hs.devices.size).toBe(0);
  });
});

describe("a Matrix channel with an access token", () => {
  test("used as it is: no sign-in, and deleting the channel does not sign the token out", async () => {
    const token = hs.issueToken("bot");
    const [logins, logouts] = [hs.logins, hs.logouts];
    const id = await channelWithAlert("token room", matrixUrl("", token));
    const before = sent();
    await alert(2);
    expect(sent()).toBe(before + 2);
    expect(hs.messages.at(-1)!.device).toBe(hs.devices.get(token)!.id);
    await app.services.notify.deleteChannel(id);
    await app.services.notify.settle();
    expect([hs.logins - logins, hs.logouts - logouts]).toEqual([0, 0]);
    expect(hs.devices.has(token)).toBe(true);
  });

  test("a token the homeserver does not know: a clear failure, not retried, no sign-in attempted", async () => {
    const logins = hs.logins;
    const outcome = await app.services.notify.test({ url: matrixUrl("", "syt_revoked_or_mistyped_token") });
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(outcome.error).toContain("HTTP 401");
    expect(outcome.error).toContain("the homeserver does not know this access token");
    expect(outcome.error).not.toContain("syt_revoked");
    expect(hs.logins).toBe(logins);
  });
});

describe("shutdown", () => {
  test("every channel's device is signed out when the server stops", async () => {
    hs.passwords.set("alerts", "alerts-password");
    await channelWithAlert("a", matrixUrl("bot", "bot-password-2"));
    await channelWithAlert("b", matrixUrl("alerts", "alerts-password"));
    await alert(3);
    const ours = () => [...hs.devices.values()].filter((d) => d.displayName === "Netronome").length;
    expect(ours()).toBe(2);
    const logouts = hs.logouts;
    await app.close();
    expect(hs.logouts).toBe(logouts + 2);
    expect(ours()).toBe(0);
    // A fresh app for afterAll to close.
    app = await startSqliteTestApp({}, { delivery: DELIVERY });
  });
});
