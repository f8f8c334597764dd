/** Interface counters from /proc/net/dev, and which interface carries the default route. */
import { readText } from "./procfs";

export interface InterfaceCounters {
  rxBytes: number;
  rxPackets: number;
  txBytes: number;
  txPackets: number;
}

/** `iface: rx_bytes rx_packets … (8 receive columns) tx_bytes tx_packets …` after two header lines. */
export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>();
  for (const line of text.split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const v = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (v.length < 10 || v.some((n) => !Number.isFinite(n))) continue;
    out.set(line.slice(0, colon).trim(), { rxBytes: v[0]!, rxPackets: v[1]!, txBytes: v[8]!, txPackets: v[9]! });
  }
  return out;
}

export function readNetDev(proc: string): Map<string, InterfaceCounters> {
  return parseNetDev(readText(`${proc}/net/dev`) ?? "");
}

/**
 * The interface of the default route (IPv4 first, then IPv6, lowest metric wins), else the first interface other
 * than loopback that has counters; null when there is none.
 */
export function defaultInterface(proc: string): string | null {
  const best = (routes: { iface: string; metric: number }[]) =>
    routes.sort((a, b) => a.metric - b.metric)[0]?.iface ?? null;
  // /proc/net/route: Iface Destination Gateway Flags RefCnt Use Metric Mask …, hex, default = 00000000/00000000.
  const v4 = (readText(`${proc}/net/route`) ?? "")
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 8 && f[1] === "00000000" && f[7] === "00000000")
    .map((f) => ({ iface: f[0]!, metric: Number(f[6]) }));
  // /proc/net/ipv6_route: dest destlen src srclen nexthop metric refcnt use flags iface; default = ::/0.
  const v6 = (readText(`${proc}/net/ipv6_route`) ?? "")
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 10 && /^0{32}$/.test(f[0]!) && f[1] === "00" && f[9] !== "lo")
    .map((f) => ({ iface: f[9]!, metric: Number.parseInt(f[5]!, 16) }));
  return best(v4) ?? best(v6) ?? [...readNetDev(proc).keys()].find((name) => name !== "lo") ?? null;
}
