/**
 * A channel that never answers must not slow anything else: two real iperf3 tests back to back take no longer with
 * a hanging webhook subscribed to every test than without, and other channels still get their messages.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startSqliteTestApp, type TestApp } from "../helpers/app";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";
import { HttpReceiver } from "../servers/http-receiver";

const CONFIG = {
  speedtest: { iperf: { test_duration: 1, parallel_conns: 1, ping: { count: 1, interval: 200, timeout: 2 } } },
};

describeIf(hasCommand("iperf3") && hasCommand("ping"), "iperf3 and ping are needed", "a hanging channel", () => {
  let app: TestApp;
  let iperf: Iperf3Server;
  const hanging = new HttpReceiver();
  const healthy = new HttpReceiver();

  beforeAll(async () => {
    hanging.start().respond = () => "hang";
    healthy.start();
    iperf = await Iperf3Server.start();
    // Delivery as in production: 10 s per attempt, retries with backoff.
    app = await startSqliteTestApp(CONFIG as unknown as Record<string, Record<string, unknown>>);
    await app.start();
    const notify = app.services.notify;
    for (const [name, receiver] of [
      ["stuck", hanging],
      ["fine", healthy],
    ] as const) {
      const channel = await notify.createChannel({ name, url: `${receiver.origin}/hook` });
      await notify.createRule({ channel_id: channel.id, event_id: 1 }); // every completed test
    }
  });
  afterAll(async () => {
    await hanging.stop();
    await app?.close();
    await healthy.stop();
    await iperf?.stop();
  });

  const runTest = async () => {
    const started = performance.now();
    const { done } = await app.services.speedtest.start(
      { useIperf: true, serverHost: `127.0.0.1:${iperf.port}`, serverName: "loopback" },
      { scheduled: false },
    );
    const result = await done;
    expect(result.error).toBeNull();
    return performance.now() - started;
  };

  test("the next test starts and ends on time while the webhook hangs", async () => {
    const first = await runTest();
    await hanging.waitFor(1);
    await healthy.waitFor(1);
    const second = await runTest();
    await healthy.waitFor(2);
    // The hanging channel still holds its first message (10 s deadline), yet the second test took about as long.
    expect(hanging.requests.length).toBe(1);
    expect(second).toBeLessThan(first + 1500);
    expect(healthy.json(1)).toMatchObject({ event: "speedtest.complete", subject: "loopback (iperf3)" });
  }, 30_000);
});
