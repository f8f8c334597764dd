/**
 * "The client" of a request, worked out in one place for the whitelist, login throttling, logs, the CSRF origin
 * check and the Secure cookie flag. The socket peer is the client unless it is one of `[server] trusted_proxies`;
 * only then do `Forwarded`, `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` count. From any other
 * peer those headers are ignored, so nobody can claim another address, scheme or host by sending them.
 */
import { isIP } from "node:net";
import { type Cidr, canonicalAddress, ipInRanges } from "../core/net";
import { perRequest } from "./per-request";

export interface Client {
  /** The client's address: the socket peer, or the forwarded address when the peer is a trusted proxy. */
  readonly address: string | null;
  /** The socket peer (null for requests that did not come through a socket: in-process tests). */
  readonly peer: string | null;
  /** Whether the client used HTTPS (as a trusted proxy reports it, or as the request itself says). */
  readonly https: boolean;
  /** The host (with any port) the client addressed. */
  readonly host: string;
}

/** The socket address a request arrived from, or null. */
export type PeerLookup = (request: Request) => string | null;

interface Hop {
  address?: string;
  proto?: string;
  host?: string;
}

/** `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:80`, `"[2001:db8::1]"` → the bare address, or undefined. */
function bareAddress(raw: string): string | undefined {
  let v = raw.trim().replace(/^"|"$/g, "");
  const bracketed = v.match(/^\[([^\]]+)\](?::\d+)?$/);
  if (bracketed) v = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(":"));
  return isIP(v) ? canonicalAddress(v) : undefined;
}

/** Splits a header list on commas outside quoted strings. */
function splitList(value: string, separator: string): string[] {
  return value.match(new RegExp(`(?:[^"${separator}]|"[^"]*")+`, "g"))?.map((s) => s.trim()) ?? [];
}

/** RFC 7239 `Forwarded`, one hop per element, nearest proxy last. */
function forwardedHops(value: string): Hop[] {
  return splitList(value, ",").map((element) => {
    const hop: Hop = {};
    for (const pair of splitList(element, ";")) {
      const eq = pair.indexOf("=");
      const key = pair.slice(0, eq).trim().toLowerCase();
      const v = pair
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, "");
      if (key === "for") hop.address = bareAddress(v) ?? `invalid:${v}`;
      else if (key === "proto") hop.proto = v.toLowerCase();
      else if (key === "host") hop.host = v;
    }
    return hop;
  });
}

/** X-Forwarded-For (and -Proto, -Host, whose last value is the one the nearest proxy wrote). */
function xForwardedHops(headers: Headers): Hop[] {
  const last = (name: string) => headers.get(name)?.split(",").at(-1)?.trim() || undefined;
  const hops: Hop[] = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .filter((s) => s.trim())
    .map((s) => ({ address: bareAddress(s) ?? `invalid:${s.trim()}` }));
  // Proto and host belong to the hop nearest to us (without X-Forwarded-For, to a hop of their own).
  if (hops.length === 0) hops.push({});
  const nearest = hops.at(-1)!;
  nearest.proto = last("x-forwarded-proto")?.toLowerCase();
  nearest.host = last("x-forwarded-host");
  return hops;
}

export function clientResolver(trustedProxies: readonly Cidr[], peerOf: PeerLookup): (request: Request) => Client {
  const trusted = (address: string | undefined): address is string =>
    address !== undefined && trustedProxies.length > 0 && ipInRanges(address, trustedProxies);

  return perRequest((request: Request): Client => {
    const rawPeer = peerOf(request);
    const peer = rawPeer ? canonicalAddress(rawPeer) : null;
    const url = new URL(request.url);
    const direct: Client = {
      address: peer,
      peer,
      https: url.protocol === "https:",
      host: request.headers.get("host") ?? url.host,
    };
    if (!peer || !trusted(peer)) return direct;
    const forwarded = request.headers.get("forwarded");
    const hops = forwarded ? forwardedHops(forwarded) : xForwardedHops(request.headers);
    // Walking back from the nearest proxy, the first hop that is not itself a trusted proxy is the client. Hops
    // further left were written by whoever connected first and prove nothing.
    let address = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.address;
      if (!hop || hop.startsWith("invalid:")) break;
      address = hop;
      if (!trusted(hop)) break;
    }
    const proto = hops.findLast((h) => h.proto)?.proto;
    const host = hops.findLast((h) => h.host)?.host;
    return { address, peer, https: proto ? proto === "https" : direct.https, host: host ?? direct.host };
  });
}
