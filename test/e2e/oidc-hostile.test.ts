/**
 * The hub binary against a hostile (or broken) OpenID provider, played by a small provider of the test's own that
 * signs its ID tokens (RS256, its JWKS served):
 *
 * - documents that never end (defect: every answer of the provider, its metadata, keys, token and userinfo answers,
 *   was read whole within the 10-second deadline, so one that kept sending grew the hub by hundreds of megabytes at
 *   every discovery attempt and every sign-in, which anonymous visitors can start);
 * - claims that look like an allowed user (defect: `allowed_users` was matched against the username made from the
 *   claims, so a display name "alice", or "alice-", " alice", "alice/", got in as alice).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createSign, generateKeyPairSync, randomUUID } from "node:crypto";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { type ServerProcess, startServer } from "../helpers/server-process";

/** What one endless answer sends before it gives up (then the hub has read it all: the defect). */
const FLOOD_BYTES = 384 << 20;
/** The hub's peak memory may not grow past this (it idles at about 100 MB). */
const PEAK_LIMIT = 250 << 20;
const CLIENT_ID = "netronome";

let mode: "endless-metadata" | "endless-token" | "honest" = "endless-metadata";
let flooded = 0;
/** The claims of the next ID token (besides iss, aud, times and nonce). */
let person: Record<string, string> = { sub: "sub-alice", preferred_username: "alice" };
const filler = new TextEncoder().encode("x".repeat(64 << 10));

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" };
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
function idToken(claims: Record<string, unknown>): string {
  const signed = `${part({ alg: "RS256", kid: "k1", typ: "JWT" })}.${part(claims)}`;
  return `${signed}.${createSign("RSA-SHA256").update(signed).sign(privateKey).toString("base64url")}`;
}
/** Nonces of the authorization requests, by the code handed out for them. */
const nonces = new Map<string, string>();

/** `{"issuer":"xxxx…` as fast as the hub reads it, up to FLOOD_BYTES. */
function endlessJson(): Response {
  let sent = 0;
  return new Response(
    new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"issuer":"'));
      },
      pull(c) {
        if (sent >= FLOOD_BYTES) return c.close();
        c.enqueue(filler);
        sent += filler.byteLength;
        flooded += filler.byteLength;
      },
    }),
    { headers: { "content-type": "application/json" } },
  );
}

const idp: ReturnType<typeof Bun.serve> = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(req, server): Promise<Response> {
    const url = new URL(req.url);
    const issuer = `http://127.0.0.1:${server.port}`;
    if (url.pathname === "/.well-known/openid-configuration") {
      if (mode === "endless-metadata") return endlessJson();
      return Response.json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
      });
    }
    if (url.pathname === "/authorize") {
      const code = randomUUID();
      nonces.set(code, url.searchParams.get("nonce")!);
      const back = new URL(url.searchParams.get("redirect_uri")!);
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state")!);
      return new Response(null, { status: 302, headers: { location: back.href } });
    }
    if (url.pathname === "/jwks") return Response.json({ keys: [jwk] });
    if (url.pathname === "/token") {
      if (mode === "endless-token") return endlessJson();
      const code = new URLSearchParams(await req.text()).get("code")!;
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: issuer, aud: CLIENT_ID, iat: now, exp: now + 300, nonce: nonces.get(code), ...person };
      return Response.json({ access_token: "at", token_type: "Bearer", expires_in: 300, id_token: idToken(claims) });
    }
    return new Response("not found", { status: 404 });
  },
});

let hub: ServerProcess;
const peak = async () =>
  Number(/VmHWM:\s+(\d+)/.exec(await Bun.file(`/proc/${hub.proc.pid}/status`).text())![1]) * 1024;

beforeAll(async () => {
  hub = await startServer([await compiledBinary(), "serve"], {
    env: {
      NETRONOME__OIDC_ISSUER: `http://127.0.0.1:${idp.port}`,
      NETRONOME__OIDC_CLIENT_ID: CLIENT_ID,
      NETRONOME__OIDC_CLIENT_SECRET: "secret",
      NETRONOME__OIDC_ALLOWED_USERS: "alice",
    },
  });
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await hub?.stop();
  idp.stop(true);
});

/** Starts a sign-in as a browser does; returns where the hub sends the browser, and the flow cookie. */
async function begin(): Promise<{ location: string; cookie: string }> {
  const res = await fetch(`${hub.url}/api/auth/oidc/login`, { redirect: "manual" });
  return {
    location: res.headers.get("location") ?? "",
    cookie:
      res.headers
        .getSetCookie()
        .find((c) => c.startsWith("oidc_flow="))
        ?.split(";")[0] ?? "",
  };
}

/** A whole sign-in through the provider; returns where the hub's callback sends the browser. */
async function signIn(): Promise<string> {
  const { location, cookie } = await begin();
  expect(location).toStartWith(`http://127.0.0.1:${idp.port}/authorize`);
  const back = (await fetch(location, { redirect: "manual" })).headers.get("location")!;
  const callback = await fetch(back, { headers: { cookie }, redirect: "manual" });
  return callback.headers.get("location") ?? `HTTP ${callback.status}`;
}

test("endless metadata: discovery gives up at the size limit, and sign-in says the provider is unavailable", async () => {
  // Discovery starts at start-up; each sign-in that finds no metadata tries once more.
  const started = Date.now();
  for (let i = 0; i < 3; i++) expect((await begin()).location).toBe("/login?error=oidc_unavailable");
  expect(Date.now() - started).toBeLessThan(10_000);
  expect((await (await fetch(`${hub.url}/api/auth/status`)).json()).oidcReady).toBe(false);
  console.log("metadata flood:", { readMB: flooded >> 20, peakMB: (await peak()) >> 20 });
  expect(await peak()).toBeLessThan(PEAK_LIMIT);
  expect(flooded).toBeLessThan(64 << 20);
}, 60_000);

test("an endless token answer: the callback fails at the size limit, without growing the hub", async () => {
  mode = "endless-token";
  flooded = 0;
  const started = Date.now();
  expect(await signIn()).toMatch(/^\/login\?error=(token_exchange|invalid_token)$/);
  expect(Date.now() - started).toBeLessThan(5_000);
  console.log("token flood:", { readMB: flooded >> 20, peakMB: (await peak()) >> 20 });
  expect(await peak()).toBeLessThan(PEAK_LIMIT);
}, 60_000);

test("allowed_users takes the provider's username or subject as sent, never a display name or a look-alike", async () => {
  mode = "honest";
  const lookAlikes: Record<string, string>[] = [
    { sub: "sub-display", name: "alice" },
    { sub: "sub-dash", preferred_username: "alice-" },
    { sub: "sub-spaced", preferred_username: " alice" },
    { sub: "sub-slash", preferred_username: "alice/" },
  ];
  for (const claims of lookAlikes) {
    person = claims;
    expect({ claims, to: await signIn() }).toEqual({ claims, to: "/login?error=not_allowed" });
  }
  person = { sub: "sub-alice", preferred_username: "alice" };
  expect(await signIn()).toBe("/");
  person = { sub: "alice", name: "Alice by subject" };
  expect(await signIn()).toBe("/");
}, 60_000);
