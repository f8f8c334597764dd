/** Hops as results store them (the original's field names, `recv` and `as`), with what GeoIP knows about each. */
import type { ProbeHop } from "../../protocol/measurements";
import { countryFlag, formatAsn, type GeoIp } from "../geoip";

export interface MonitorHop {
  number: number;
  host: string | null;
  ip: string | null;
  loss: number;
  sent: number;
  recv: number;
  last: number | null;
  avg: number | null;
  best: number | null;
  worst: number | null;
  stddev: number | null;
  countryCode?: string;
  flag?: string;
  as?: string;
}

/** A measured hop as stored, with country, flag and AS of its address; it only reads the databases, it sends nothing. */
export function monitorHop(hop: ProbeHop, geoip: GeoIp): MonitorHop {
  const out: MonitorHop = {
    number: hop.number,
    host: hop.host,
    ip: hop.ip,
    loss: hop.loss,
    sent: hop.sent,
    recv: hop.received,
    last: hop.last,
    avg: hop.avg,
    best: hop.best,
    worst: hop.worst,
    stddev: hop.stddev,
  };
  if (!hop.ip) return out;
  const info = geoip.lookup(hop.ip);
  if (info.countryCode) {
    out.countryCode = info.countryCode;
    out.flag = countryFlag(info.countryCode);
  }
  if (info.asn !== undefined) out.as = formatAsn(info.asn, info.asOrg);
  return out;
}
