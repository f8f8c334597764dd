/**
 * What a sign-in must remember between the redirect to the provider and the way back (state, nonce, PKCE
 * verifier, redirect URL, where to go afterwards): kept in the browser that started it, in a short-lived HttpOnly
 * cookie, so that no anonymous visitor can make the server hold anything. Without the cookie of the browser that
 * started it, a callback is refused, which is what binds the sign-in to that browser.
 *
 * The cookie is a JWT (HS256, through @elysiajs/jwt) that expires with the flow, under a key derived from the
 * session secret for this purpose only: nothing else the server signs or seals can pass for a flow, nor a flow for
 * anything else. It is signed, not encrypted: everything in it belongs to the browser that holds it.
 */
import { jwt } from "@elysiajs/jwt";
import { type Static, t } from "elysia";
import { purposeKey } from "../../core/secret-box";

export const FLOW_COOKIE = "oidc_flow";
export const FLOW_TTL_SECONDS = 600;
const FLOW_ALGORITHM = "HS256";
/** What the signing key is derived for (see purposeKey). */
export const FLOW_KEY_PURPOSE = "oidc sign-in flow";

const flowClaims = t.Object({
  state: t.String({ minLength: 1 }),
  nonce: t.String({ minLength: 1 }),
  verifier: t.String({ minLength: 43 }),
  redirectUri: t.String({ minLength: 1 }),
  next: t.Optional(t.String()),
  /** Expiry, epoch seconds (the JWT's own claim). */
  exp: t.Integer(),
});

/** A sign-in under way, as the service sees it. */
export type Flow = Omit<Static<typeof flowClaims>, "exp">;

/** The plugin that gives handlers `flowJwt`, which signs and verifies flow cookies. */
export const flowJwtPlugin = (sessionSecret: string) =>
  jwt({
    name: "flowJwt",
    secret: purposeKey(sessionSecret, FLOW_KEY_PURPOSE),
    alg: FLOW_ALGORITHM,
    schema: flowClaims,
  });

export type FlowJwt = ReturnType<typeof flowJwtPlugin>["decorator"]["flowJwt"];

/** The cookie value for a flow that starts at `now` (epoch ms). */
export const sealFlow = (flowJwt: FlowJwt, flow: Flow, now: number): Promise<string> =>
  flowJwt.sign({ ...flow, exp: Math.floor(now / 1000) + FLOW_TTL_SECONDS });

/** The flow in a cookie value, or null when it is not one this server signed for a flow, or has expired. */
export async function openFlow(flowJwt: FlowJwt, sealed: string | undefined, now: number): Promise<Flow | null> {
  // The algorithm is pinned: a token naming another one ("none" included) is refused before its signature is read.
  const claims = await flowJwt.verify(sealed, {
    algorithms: [FLOW_ALGORITHM],
    requiredClaims: ["exp"],
    currentDate: new Date(now),
  });
  if (!claims) return null;
  const { state, nonce, verifier, redirectUri, next } = claims;
  return { state, nonce, verifier, redirectUri, next };
}
