import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BODY_KINDS, MAX_BODY_BYTES } from "../../src/server/body";
import { ADMIN } from "../helpers/admin";
import { startSqliteTestApp, type TestApp } from "../helpers/app";
import { rawRequest } from "../helpers/raw-http";

const MB = 1024 * 1024;

describe("request bodies (real sockets)", () => {
  let t: TestApp;
  let url: string;
  let cookie: string;
  beforeAll(async () => {
    t = await startSqliteTestApp();
    await t.services.auth.createUser(ADMIN.username, ADMIN.password);
    url = `http://127.0.0.1:${t.app.listen({ hostname: "127.0.0.1", port: 0 }).server!.port}`;
    const login = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
  });
  afterAll(async () => {
    await t.app.stop(true);
    await t.close();
  });

  describe("without a session, protected routes answer before reading any body", () => {
    test.each([
      ["POST", "/api/speedtest", "application/json", 401],
      ["PUT", "/api/schedules/1", "application/json", 401],
      ["POST", "/monitors", "application/x-www-form-urlencoded", 303],
      ["POST", "/settings/password", "application/x-www-form-urlencoded", 303],
    ] as const)("%s %s → %d", async (method, path, type, status) => {
      // 1 MiB announced (what Bun lets through), at most 256 KiB sent: the answer comes before the body could
      // have been read.
      const answer = await rawRequest(url, {
        method,
        path,
        headers: { "content-type": type },
        contentLength: MAX_BODY_BYTES,
        send: 256 * 1024,
      });
      expect(answer.status).toBe(status);
      expect(answer.sentBeforeAnswer).toBeLessThan(256 * 1024);
    });

    test("a body announced larger than any route takes is refused by Bun (413) on every path", async () => {
      for (const path of ["/api/speedtest", "/login", "/no/such/route"]) {
        const answer = await rawRequest(url, { method: "POST", path, contentLength: 100 * MB, send: 64 * 1024 });
        expect([path, answer.status]).toEqual([path, 413]);
      }
    });

    test("the same with a chunked body", async () => {
      const answer = await rawRequest(url, {
        method: "POST",
        path: "/api/speedtest",
        headers: { "content-type": "application/json" },
        send: 256 * 1024,
      });
      expect(answer.status).toBe(401);
      expect(answer.sentBeforeAnswer).toBeLessThan(256 * 1024);
    });
  });

  describe("sign-in and forms take at most 64 KiB", () => {
    test("a larger Content-Length gets 413 before the body is sent", async () => {
      for (const [path, type] of [
        ["/login", "application/x-www-form-urlencoded"],
        ["/register", "application/x-www-form-urlencoded"],
        ["/api/auth/login", "application/json"],
      ]) {
        const answer = await rawRequest(url, {
          method: "POST",
          path: path!,
          headers: { "content-type": type! },
          contentLength: 100 * MB,
          send: 128 * 1024,
        });
        expect([path, answer.status]).toEqual([path, 413]);
        expect(answer.sentBeforeAnswer).toBeLessThan(128 * 1024);
      }
    });

    test("a chunked body is cut off once it passes 64 KiB", async () => {
      const answer = await rawRequest(url, {
        method: "POST",
        path: "/login",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        send: 2 * MB,
      });
      expect(answer.status).toBe(413);
      expect(answer.sentBeforeAnswer).toBeLessThan(MB);
    });

    test("a form just under the limit is read (and judged on its content)", async () => {
      const padding = "x".repeat(BODY_KINDS.form.limit - 200);
      const res = await fetch(`${url}/login`, {
        method: "POST",
        body: new URLSearchParams({ username: ADMIN.username, password: "wrong", pad: padding }),
        redirect: "manual",
      });
      expect(res.status).toBe(401);
    });
  });

  describe("signed in, the JSON API takes up to 1 MiB of JSON", () => {
    test("more is refused with 413, announced or chunked", async () => {
      const announced = await rawRequest(url, {
        method: "POST",
        path: "/api/schedules",
        headers: { "content-type": "application/json", cookie },
        contentLength: 2 * MB,
        send: 2 * MB,
      });
      expect(announced.status).toBe(413);
      const chunked = await rawRequest(url, {
        method: "POST",
        path: "/api/schedules",
        headers: { "content-type": "application/json", cookie },
        send: 2 * MB,
      });
      expect(chunked.status).toBe(413);
      expect(chunked.sentBeforeAnswer).toBeLessThan(2 * MB);
    });

    test("a body under the limit reaches validation, which names the field", async () => {
      const res = await fetch(`${url}/api/schedules`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: JSON.stringify({
          serverIds: ["x"],
          interval: "nonsense",
          options: { testType: "speedtest" },
          pad: "y".repeat(500_000),
        }),
      });
      expect(res.status).toBe(400);
      expect((await res.json()).message).toContain("interval");
    });

    test("form-encoded or untyped bodies are not JSON: 415", async () => {
      const kinds: Record<string, string>[] = [
        { "content-type": "application/x-www-form-urlencoded" },
        { "content-type": "text/plain" },
        {},
      ];
      for (const headers of kinds) {
        const res = await fetch(`${url}/api/schedules`, {
          method: "POST",
          headers: { ...headers, cookie },
          body: "interval=1h",
        });
        expect([headers, res.status]).toEqual([headers, 415]);
        expect((await res.json()).message).toBe("send the body as application/json");
      }
    });

    test("malformed JSON is a 400 with a message", async () => {
      const res = await fetch(`${url}/api/schedules`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: '{"interval": ',
      });
      expect(res.status).toBe(400);
      expect((await res.json()).message).toBe("the request body is not valid JSON");
    });
  });
});
