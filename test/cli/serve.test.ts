import { expect, test } from "bun:test";
import { ADMIN, registerAdmin } from "../helpers/admin";
import { startSourceServer } from "../helpers/server-process";

test("serve answers on a real socket and shuts down gracefully on SIGTERM: in-flight requests finish", async () => {
  const server = await startSourceServer();
  await registerAdmin(server.url);
  // A login verifies an argon2 hash (tens of ms): the signal arrives while it is in flight.
  const inflight = fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  await Bun.sleep(5);
  server.proc.kill("SIGTERM");
  const res = await inflight;
  expect(res.status).toBe(200);
  expect((await res.json()).user.username).toBe("admin");
  expect(await server.stop()).toBe(0);
  const log = await server.stderr();
  expect(log).toContain("shutting down signal=SIGTERM");
  expect(log).toContain("stopped");
});

test("logs honour [logging] level", async () => {
  const server = await startSourceServer({ env: { NETRONOME__LOG_LEVEL: "warn" } });
  expect(await server.stop("SIGINT")).toBe(0);
  expect(await server.stderr()).not.toContain(" INF ");
});
