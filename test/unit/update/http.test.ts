/** The updater's HTTP rules, against local servers that misbehave on purpose. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkUrl, downloadTo, fetchBytes, UpdateError } from "../../../src/update/http";

const dir = mkdtempSync(join(tmpdir(), "netronome-http-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/ok") return new Response("hello");
    if (path === "/big") return new Response("x".repeat(5000));
    if (path === "/redirect") return new Response(null, { status: 302, headers: { location: "/ok" } });
    if (path === "/loop") return new Response(null, { status: 302, headers: { location: "/loop" } });
    if (path === "/to-http") return new Response(null, { status: 301, headers: { location: "http://198.51.100.7/x" } });
    if (path === "/missing") return new Response("no", { status: 404 });
    if (path === "/error") return new Response("boom", { status: 500, statusText: "Internal Server Error" });
    if (path === "/silent-headers") return new Promise<Response>(() => {});
    if (path === "/stall")
      return new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode("first bytes"));
          },
        }),
      );
    if (path === "/endless")
      return new Response(
        new ReadableStream({
          pull(c) {
            c.enqueue(new Uint8Array(1024));
          },
        }),
      );
    return new Response("?", { status: 400 });
  },
});
afterAll(() => server.stop(true));
const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
const limits = { timeoutMs: 5000, maxBytes: 1000 };

describe("checkUrl", () => {
  test("https anywhere, http only to loopback", () => {
    expect(checkUrl("https://api.github.com/repos", "api").host).toBe("api.github.com");
    for (const ok of ["http://127.0.0.1:8080/x", "http://localhost/x", "http://[::1]:9/x", "http://127.8.9.10/"])
      expect(checkUrl(ok, "api").protocol).toBe("http:");
    for (const bad of ["http://example.com/x", "http://10.0.0.1/", "ftp://127.0.0.1/x", "file:///etc/passwd"])
      expect(() => checkUrl(bad, "api")).toThrow(/api must use https/);
    expect(() => checkUrl("not a url", "api")).toThrow(/api is not a URL/);
  });
});

describe("fetchBytes", () => {
  test("follows a redirect and returns the body; null for 404; the status for other errors", async () => {
    expect(new TextDecoder().decode((await fetchBytes(url("/redirect"), "thing", limits))!)).toBe("hello");
    expect(await fetchBytes(url("/missing"), "thing", limits)).toBeNull();
    await expect(fetchBytes(url("/error"), "thing", limits)).rejects.toThrow(
      "thing: the server answered 500 Internal Server Error",
    );
  });

  test("a redirect loop, a redirect to plain http and a body over the limit are refused", async () => {
    await expect(fetchBytes(url("/loop"), "thing", limits)).rejects.toThrow("thing: more than 5 redirects");
    await expect(fetchBytes(url("/to-http"), "thing", limits)).rejects.toThrow(
      "thing (redirect) must use https (got http://198.51.100.7)",
    );
    await expect(fetchBytes(url("/big"), "thing", limits)).rejects.toThrow(
      "thing is 5000 bytes, more than the 1000 allowed",
    );
    await expect(fetchBytes(url("/endless"), "thing", limits)).rejects.toThrow(
      "thing is larger than the 1000 bytes allowed",
    );
  });

  test("a server that never answers, or stops sending, runs into the timeouts", async () => {
    const started = performance.now();
    await expect(fetchBytes(url("/silent-headers"), "thing", { timeoutMs: 300, maxBytes: 100 })).rejects.toThrow(
      /thing: cannot fetch .*: no answer within 0\.3 s/,
    );
    await expect(
      fetchBytes(url("/stall"), "thing", { timeoutMs: 5000, idleTimeoutMs: 300, maxBytes: 100 }),
    ).rejects.toThrow("thing: no data for 0.3 s");
    expect(performance.now() - started).toBeLessThan(4000);
  });

  test("a refused connection is an UpdateError naming the host", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = closed.port;
    closed.stop(true);
    const error = await fetchBytes(`http://127.0.0.1:${port}/x`, "thing", limits).catch((e) => e);
    expect(error).toBeInstanceOf(UpdateError);
    expect(error.message).toStartWith(`thing: cannot fetch http://127.0.0.1:${port}/x: `);
    expect(error.message).not.toContain("verbose");
  });
});

describe("downloadTo", () => {
  test("writes the body, reports progress and returns its SHA-256", async () => {
    const file = join(dir, "ok");
    const progress: Array<[number, number | null]> = [];
    const got = await downloadTo(url("/ok"), file, "thing", limits, (n, total) => progress.push([n, total]));
    expect(got).toEqual({ sha256: new Bun.CryptoHasher("sha256").update("hello").digest("hex"), bytes: 5 });
    expect(readFileSync(file, "utf8")).toBe("hello");
    expect(progress.at(-1)).toEqual([5, 5]);
  });

  test("never overwrites an existing file, and leaves removal of a failed download to the caller", async () => {
    const file = join(dir, "exists");
    await downloadTo(url("/ok"), file, "thing", limits);
    await expect(downloadTo(url("/ok"), file, "thing", limits)).rejects.toThrow(/EEXIST/);
    const partial = join(dir, "partial");
    await expect(downloadTo(url("/endless"), partial, "thing", limits)).rejects.toThrow(/larger than/);
    expect(existsSync(partial)).toBe(true);
  });
});
