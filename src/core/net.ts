/** Address helpers: CIDR matching for the login whitelist. */
import { isIPv4, isIPv6 } from "node:net";

function ipv4ToBigInt(ip: string): bigint {
  return ip.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(ip: string): bigint {
  let addr = ip;
  const v4 = addr.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]!);
    addr = `${addr.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = addr.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const tl = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - tl.length).fill("0"), ...tl];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || "0", 16)), 0n);
}

export interface Cidr {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly bits: number;
}

/** Parses "10.0.0.0/8", "::1/128" or a bare address; returns null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const [addr, prefix] = text.trim().split("/") as [string, string | undefined];
  const family = isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : 0;
  if (!family) return null;
  const width = family === 4 ? 32 : 128;
  const bits = prefix === undefined ? width : Number(prefix);
  if (!Number.isInteger(bits) || bits < 0 || bits > width || (prefix !== undefined && !/^\d+$/.test(prefix)))
    return null;
  const value = family === 4 ? ipv4ToBigInt(addr) : ipv6ToBigInt(addr);
  const shift = BigInt(width - bits);
  return { family, network: (value >> shift) << shift, bits };
}

/** Matches an address (IPv4-mapped IPv6 counts as IPv4) against parsed CIDR ranges. */
export function ipInRanges(ip: string, ranges: readonly Cidr[]): boolean {
  const mapped = ip.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  const addr = mapped ? mapped[1]! : ip;
  const family = isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : 0;
  if (!family) return false;
  const value = family === 4 ? ipv4ToBigInt(addr) : ipv6ToBigInt(addr);
  const width = family === 4 ? 32 : 128;
  return ranges.some((r) => {
    if (r.family !== family) return false;
    const shift = BigInt(width - r.bits);
    return (value >> shift) << shift === r.network;
  });
}

/** Parses a list of ranges already validated by the config schema. */
export function parseRanges(texts: readonly string[]): Cidr[] {
  return texts.map(parseCidr).filter((c): c is Cidr => c !== null);
}

/** An address in one canonical spelling: IPv4-mapped IPv6 as IPv4, IPv6 lower-case without a zone. */
export function canonicalAddress(ip: string): string {
  const mapped = ip.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  if (mapped) return mapped[1]!;
  return isIPv6(ip) ? ip.toLowerCase().replace(/%.*$/, "") : ip;
}

/**
 * What counts as one source when limiting attempts: an IPv4 address, or the /64 an IPv6 address belongs to
 * (one subscriber usually holds a whole /64, so single IPv6 addresses cost an attacker nothing).
 */
export function sourceKey(ip: string): string {
  const addr = canonicalAddress(ip);
  if (!isIPv6(addr)) return addr;
  const prefix = (ipv6ToBigInt(addr) >> 64n).toString(16).padStart(16, "0");
  return `${prefix.match(/.{4}/g)!.join(":")}::/64`;
}

/** Longest Linux interface name (IFNAMSIZ − 1). */
export const MAX_INTERFACE_NAME = 15;
const INTERFACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;

/**
 * Why `name` cannot be a network interface name, or null when it can. Names reach tool argv (vnstat -i), so the
 * check is strict: letters, digits, `_ . : -`, not starting with `-` or `.`, at most 15 characters.
 */
export function interfaceNameProblem(name: string): string | null {
  if (name === "") return "is empty";
  if (name.length > MAX_INTERFACE_NAME) return `is longer than ${MAX_INTERFACE_NAME} characters`;
  if (!INTERFACE_NAME.test(name)) return "may hold only letters, digits and _ . : - (and must not start with - or .)";
  return null;
}
