/**
 * What a sign-in must remember between the redirect to the provider and the way back (state, nonce, PKCE
 * verifier, redirect URL, where to go afterwards): kept in the browser that started it, in a short-lived HttpOnly
 * cookie signed with the server's secret, so that no anonymous visitor can make the server hold anything. Without
 * the cookie of the browser that started it, a callback is refused, which is what binds the sign-in to that browser.
 */
import { timingSafeEqual } from "node:crypto";

export const FLOW_COOKIE = "oidc_flow";
export const FLOW_TTL_SECONDS = 600;

export interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  next?: string;
  /** Expiry, epoch milliseconds. */
  expires: number;
}

const mac = (secret: string, payload: string) =>
  new Bun.CryptoHasher("sha256", secret).update(`oidc-flow.${payload}`).digest("base64url") as string;

export function sealFlow(secret: string, flow: Flow): string {
  const payload = Buffer.from(JSON.stringify(flow)).toString("base64url");
  return `${payload}.${mac(secret, payload)}`;
}

/** The flow in a cookie value, or null when it is not one this server sealed, or has expired. */
export function openFlow(secret: string, sealed: string | undefined, now = Date.now()): Flow | null {
  const [payload, signature, extra] = (sealed ?? "").split(".");
  if (!payload || !signature || extra !== undefined) return null;
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const flow = JSON.parse(Buffer.from(payload, "base64url").toString()) as Flow;
    return typeof flow.expires === "number" && flow.expires > now ? flow : null;
  } catch {
    return null;
  }
}
