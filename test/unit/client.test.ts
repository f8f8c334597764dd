import { describe, expect, test } from "bun:test";
import { parseRanges, sourceKey } from "../../src/core/net";
import { clientResolver } from "../../src/server/client";
import { crossSiteProblem } from "../../src/server/origin-guard";

/** A resolver whose "socket peer" is whatever the test says. */
function resolverWithPeer(trusted: string[], peer: string | null) {
  return clientResolver(parseRanges(trusted), () => peer);
}

const request = (headers: Record<string, string>, url = "http://app.example:7575/x") => new Request(url, { headers });

describe("the client of a request", () => {
  test("without trusted proxies, forwarding headers are ignored: the socket peer is the client", () => {
    const clientOf = resolverWithPeer([], "203.0.113.9");
    const c = clientOf(
      request({
        host: "app.example:7575",
        "x-forwarded-for": "127.0.0.1",
        forwarded: "for=10.0.0.1;proto=https;host=evil.example",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "evil.example",
      }),
    );
    expect(c).toEqual({ address: "203.0.113.9", peer: "203.0.113.9", https: false, host: "app.example:7575" });
  });

  test("from a peer outside trusted_proxies, the headers are ignored as well", () => {
    const clientOf = resolverWithPeer(["10.0.0.0/8"], "192.0.2.50");
    const c = clientOf(request({ "x-forwarded-for": "10.1.1.1", "x-forwarded-proto": "https" }));
    expect(c.address).toBe("192.0.2.50");
    expect(c.https).toBe(false);
  });

  test("from a trusted proxy, X-Forwarded-For names the client; hops a client wrote itself are skipped", () => {
    const clientOf = resolverWithPeer(["10.0.0.0/8"], "10.0.0.2");
    // The client sent "X-Forwarded-For: 127.0.0.1" itself; the proxy appended the address it saw.
    const c = clientOf(
      request({
        "x-forwarded-for": "127.0.0.1, 198.51.100.7",
        "x-forwarded-proto": "http, https",
        "x-forwarded-host": "spoofed.example, netronome.example",
      }),
    );
    expect(c).toEqual({ address: "198.51.100.7", peer: "10.0.0.2", https: true, host: "netronome.example" });
  });

  test("a chain of trusted proxies is walked back to the first untrusted hop", () => {
    const clientOf = resolverWithPeer(["10.0.0.0/8", "fd00::/8"], "10.0.0.2");
    expect(clientOf(request({ "x-forwarded-for": "1.2.3.4, 198.51.100.7, 10.9.9.9" })).address).toBe("198.51.100.7");
    // Every hop trusted: the furthest one.
    expect(clientOf(request({ "x-forwarded-for": "10.1.1.1, 10.9.9.9" })).address).toBe("10.1.1.1");
  });

  test("RFC 7239 Forwarded, with quoted IPv6 and ports, wins over X-Forwarded-For", () => {
    const clientOf = resolverWithPeer(["127.0.0.1/32"], "::ffff:127.0.0.1");
    const c = clientOf(
      request({
        forwarded: 'for=192.0.2.60;proto=http, for="[2001:DB8:cafe::17]:4711";proto=https;host="netronome.example"',
        "x-forwarded-for": "198.51.100.1",
      }),
    );
    expect(c).toEqual({ address: "2001:db8:cafe::17", peer: "127.0.0.1", https: true, host: "netronome.example" });
  });

  test("a hop that is not an address ends the walk at the last proxy", () => {
    const clientOf = resolverWithPeer(["10.0.0.0/8"], "10.0.0.2");
    expect(clientOf(request({ forwarded: "for=unknown" })).address).toBe("10.0.0.2");
    expect(clientOf(request({ "x-forwarded-for": "<script>" })).address).toBe("10.0.0.2");
  });

  test("X-Forwarded-Proto alone (no X-Forwarded-For) still tells the scheme", () => {
    const clientOf = resolverWithPeer(["10.0.0.0/8"], "10.0.0.2");
    expect(clientOf(request({ "x-forwarded-proto": "https" }))).toMatchObject({ address: "10.0.0.2", https: true });
  });

  test("IPv6 sources are counted per /64", () => {
    expect(sourceKey("2001:db8:1:2:aaaa::1")).toBe(sourceKey("2001:db8:1:2:ffff::9"));
    expect(sourceKey("2001:db8:1:2::1")).not.toBe(sourceKey("2001:db8:1:3::1"));
    expect(sourceKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
  });
});

describe("cross-site requests", () => {
  const direct = { address: "192.0.2.1", peer: "192.0.2.1", https: false, host: "app.example:7575" };
  const post = (headers: Record<string, string>) =>
    new Request("http://app.example:7575/x", { method: "POST", headers });

  test.each([
    [{ "sec-fetch-site": "same-origin" }, null],
    [{ "sec-fetch-site": "none" }, null],
    [{ "sec-fetch-site": "cross-site", origin: "http://app.example:7575" }, "Sec-Fetch-Site: cross-site"],
    [{ "sec-fetch-site": "same-site" }, "Sec-Fetch-Site: same-site"],
    [{ origin: "http://app.example:7575" }, null],
    [{ origin: "HTTP://APP.EXAMPLE:7575" }, null],
    [{ origin: "http://evil.example" }, "http://evil.example is not this server"],
    [{ origin: "http://app.example:7576" }, "is not this server"],
    [{ origin: "null" }, "Origin: null"],
    [{ referer: "http://app.example:7575/settings" }, null],
    [{ referer: "https://evil.example/page" }, "is not this server"],
    [{ referer: "not a url" }, "Referer: not a url"],
    [{}, null],
  ] as [Record<string, string>, string | null][])("%p → %p", (headers, problem) => {
    const found = crossSiteProblem(post(headers), direct);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });

  test("behind a TLS proxy the scheme counts: an http page of the same host is another site", () => {
    const proxied = { address: "198.51.100.7", peer: "10.0.0.2", https: true, host: "netronome.example" };
    expect(crossSiteProblem(post({ origin: "https://netronome.example" }), proxied)).toBeNull();
    expect(crossSiteProblem(post({ origin: "https://netronome.example:443" }), proxied)).toBeNull();
    expect(crossSiteProblem(post({ origin: "http://netronome.example" }), proxied)).toContain("is not this server");
  });
});
