/**
 * Alert state on a real database, both dialects: "N of the last M" and the cooldown carry over a restart, a failed
 * delivery does not start the cooldown, and the history records each outcome.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { AgentMetrics } from "../../src/hub/agents.events";
import { createNotifyRepository } from "../../src/notify/notify.repository";
import { startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";
import { HttpReceiver } from "../servers/http-receiver";

const DELIVERY = { timeoutMs: 2000, backoffMs: [20, 20], maxQueue: 10 };
const idle: AgentMetrics = {
  cpuPercent: 10,
  memoryPercent: 20,
  diskUsedPercentMax: 30,
  temperatureMaxC: 40,
  temperatureSensor: "cpu",
};

describeEachDialect("notification alert state", (dialect) => {
  let database: TestDatabase;
  let app: TestApp | undefined;
  const receiver = new HttpReceiver();
  let channelId = 0;

  const boot = async () => {
    app = await startTestApp(database, { server: { timezone: "UTC" } }, { delivery: DELIVERY });
    await app.start();
    return app;
  };
  const restart = async () => {
    await app!.close();
    return boot();
  };
  const cpu = async (percent: number) => {
    app!.services.bus.publish({
      type: "agent.metrics",
      agentId: 4,
      agentName: "nas",
      at: Date.now(),
      metrics: { ...idle, cpuPercent: percent },
    });
    await app!.services.notify.settle();
  };

  beforeAll(async () => {
    receiver.start();
    database = await dialect.create();
    await boot();
    const channel = await app!.services.notify.createChannel({ name: "hook", url: `${receiver.origin}/alerts` });
    channelId = channel.id;
    await app!.services.notify.createRule({
      channel_id: channelId,
      event_id: 13, // agent cpu_high
      threshold_value: 90,
      threshold_operator: "gt",
      min_breaches: 2,
      window_size: 3,
      cooldown_minutes: 60,
    });
  });
  afterAll(async () => {
    await app?.close();
    await receiver.stop();
    await database.drop();
  });

  test("one breach before a restart and one after make 2 of 3: the alert goes out once", async () => {
    await cpu(95);
    expect(receiver.requests.length).toBe(0);
    await restart();
    await cpu(96);
    expect(receiver.requests.length).toBe(1);
    expect(receiver.json(0)).toMatchObject({
      event: "agent.cpu_high",
      value: 96,
      threshold: 90,
      recovery: false,
      subject: "nas",
    });
    await cpu(97);
    expect(receiver.requests.length).toBe(1);
  });

  test("the condition clears: one recovery message", async () => {
    await cpu(10);
    await cpu(10);
    expect(receiver.requests.length).toBe(2);
    expect(receiver.json(1)).toMatchObject({ event: "agent.cpu_high", recovery: true, severity: "resolved" });
  });

  test("breaching again within the cooldown (and across another restart) sends nothing", async () => {
    await cpu(95);
    await restart();
    await cpu(95);
    await cpu(99);
    expect(receiver.requests.length).toBe(2);
  });

  test("a delivery that fails does not start the cooldown: the next breach tries again", async () => {
    const rule = (await app!.services.notify.rules(channelId))[0]!;
    await app!.services.notify.updateRule(rule.id, { cooldown_minutes: 0 });
    await cpu(10);
    await cpu(10);
    await cpu(10); // cleared (no recovery: nothing was sent for this episode)
    const before = receiver.requests.length;
    receiver.respond = () => new Response("down for maintenance", { status: 503 });
    await cpu(95);
    await cpu(95);
    // Three attempts (first + two retries), all refused.
    expect(receiver.requests.length).toBe(before + 3);
    const history = await app!.services.notify.history(1);
    expect(history[0]).toMatchObject({ success: false, attempts: 3, channelName: "hook" });
    expect(history[0]!.errorMessage).toContain("HTTP 503");
    receiver.respond = () => Response.json({ ok: true });
    await cpu(95);
    expect(receiver.requests.length).toBe(before + 4);
    expect((await app!.services.notify.history(1))[0]).toMatchObject({ success: true, attempts: 1 });
  });

  test("the alert state is in the database, keyed by rule and subject", async () => {
    const rule = (await app!.services.notify.rules(channelId))[0]!;
    const rows = await app!.db.db.select().from(app!.db.t.notificationAlertState);
    expect(rows).toEqual([
      expect.objectContaining({ ruleKey: `rule:${rule.id}`, subject: "agent:4", recent: "111", firing: true }),
    ]);
    expect(rows[0]!.lastSentAt).toBeInstanceOf(Date);
  });

  test("the history outlives nothing it should: pruning removes rows older than the limit only", async () => {
    const repo = createNotifyRepository(app!.db);
    const total = (await repo.listHistory(1000)).length;
    expect(total).toBeGreaterThan(0);
    expect(await repo.pruneHistory(new Date(Date.now() - 86_400_000), 5000)).toBe(0);
    expect(await repo.pruneHistory(new Date(Date.now() + 1000), 2)).toBe(2);
    expect((await repo.listHistory(1000)).length).toBe(total - 2);
  });

  test("deleting the channel removes its rules and their state", async () => {
    await app!.services.notify.deleteChannel(channelId);
    expect(await app!.services.notify.rules()).toEqual([]);
    expect(await app!.db.db.select().from(app!.db.t.notificationAlertState)).toEqual([]);
  });
});
