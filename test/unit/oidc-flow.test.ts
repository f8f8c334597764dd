/**
 * The single sign-on flow cookie: a JWT (HS256) under a key derived from the session secret for flows only. Only a
 * token this server signed for a flow, with every claim, before it expires, opens; anything else is null.
 */
import { describe, expect, test } from "bun:test";
import { jwt } from "@elysiajs/jwt";
import {
  FLOW_KEY_PURPOSE,
  FLOW_TTL_SECONDS,
  type Flow,
  flowJwtPlugin,
  openFlow,
  sealFlow,
} from "../../src/auth/oidc/oidc.flow";
import { purposeKey } from "../../src/core/secret-box";

const SECRET = "this-server's-session-secret-3c9d0e";
const flowJwt = flowJwtPlugin(SECRET).decorator.flowJwt;
const NOW = Date.parse("2026-12-03T10:00:00Z");
const FLOW: Flow = {
  state: "state-Q5m0yKxJ3bW1",
  nonce: "nonce-7YfP2sLk9a",
  verifier: "v".repeat(43),
  redirectUri: "https://netronome.example/api/auth/oidc/callback",
  next: "/settings",
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const partsOf = (token: string) => {
  const [header, payload, signature] = token.split(".");
  return { header: header!, payload: payload!, signature: signature! };
};
const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString());
/** Signs any claims with any key and algorithm (what a forger with that key could make). */
const signer = (secret: Uint8Array | string, alg = "HS256") => jwt({ name: "raw", secret, alg }).decorator.raw;
type AnyClaims = Parameters<ReturnType<typeof signer>["sign"]>[0];
const flowKey = purposeKey(SECRET, FLOW_KEY_PURPOSE);
const exp = Math.floor(NOW / 1000) + FLOW_TTL_SECONDS;

describe("the flow cookie", () => {
  test("is a JWT, HS256, whose exp ends the flow; it opens to the same flow until then", async () => {
    const token = await sealFlow(flowJwt, FLOW, NOW);
    const { header, payload } = partsOf(token);
    expect(decode(header)).toEqual({ alg: "HS256", typ: "JWT" });
    expect(decode(payload)).toMatchObject({ ...FLOW, exp });
    expect(await openFlow(flowJwt, token, NOW)).toEqual(FLOW);
    expect(await openFlow(flowJwt, token, NOW + (FLOW_TTL_SECONDS - 1) * 1000)).toEqual(FLOW);
    const { next: _, ...withoutNext } = FLOW;
    expect(await openFlow(flowJwt, await sealFlow(flowJwt, withoutNext, NOW), NOW)).toEqual(withoutNext);
  });

  test("expired: refused from the flow's last second on", async () => {
    const token = await sealFlow(flowJwt, FLOW, NOW);
    expect(await openFlow(flowJwt, token, NOW + FLOW_TTL_SECONDS * 1000)).toBeNull();
    expect(await openFlow(flowJwt, token, NOW + 24 * 3600_000)).toBeNull();
  });

  test("tampered: another state with the old signature, or a changed signature, is refused", async () => {
    const token = await sealFlow(flowJwt, FLOW, NOW);
    const { header, payload, signature } = partsOf(token);
    const forged = b64({ ...decode(payload), state: "the-attacker's-state" });
    expect(await openFlow(flowJwt, `${header}.${forged}.${signature}`, NOW)).toBeNull();
    const flipped = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11);
    expect(await openFlow(flowJwt, `${header}.${payload}.${flipped}`, NOW)).toBeNull();
    expect(await openFlow(flowJwt, `${header}.${payload}.`, NOW)).toBeNull();
    expect(await openFlow(flowJwt, `${header}.${payload}`, NOW)).toBeNull();
  });

  test("signed with any other key is refused: another server's, another purpose's, the bare session secret", async () => {
    const claims = { ...FLOW, exp };
    for (const key of [
      purposeKey("another-server's-secret", FLOW_KEY_PURPOSE),
      purposeKey(SECRET, "agent api keys"),
      SECRET,
    ]) {
      const token = await signer(key).sign(claims);
      expect(await openFlow(flowJwt, token, NOW)).toBeNull();
    }
    // The same claims under the flow key do open: the key alone made the difference.
    expect(await openFlow(flowJwt, await signer(flowKey).sign(claims), NOW)).toEqual(FLOW);
  });

  test("the algorithm is pinned: alg none, or HS512 with the right key, is refused", async () => {
    const claims = { ...FLOW, exp };
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
    expect(await openFlow(flowJwt, unsigned, NOW)).toBeNull();
    expect(await openFlow(flowJwt, await signer(flowKey, "HS512").sign(claims), NOW)).toBeNull();
  });

  test("claims are checked: a missing or mistyped claim, or no expiry, is refused even under the right key", async () => {
    const { verifier: _, ...noVerifier } = FLOW;
    for (const claims of [
      { ...noVerifier, exp },
      { ...FLOW, verifier: 42, exp },
      { ...FLOW, state: "", exp },
      { ...FLOW, exp: undefined, iat: false },
    ]) {
      const token = await signer(flowKey).sign(claims as AnyClaims);
      expect([claims, await openFlow(flowJwt, token, NOW)]).toEqual([claims, null]);
    }
  });

  test("no cookie, an empty one, garbage, or the former hand-made format: refused", async () => {
    const former = `${b64({ ...FLOW, expires: NOW + 600_000 })}.${"x".repeat(43)}`;
    for (const value of [undefined, "", "garbage", "a.b.c", "eyJzdGF0ZSI6IngifQ.forged", former, "x".repeat(10_000)])
      expect(await openFlow(flowJwt, value, NOW)).toBeNull();
  });
});
