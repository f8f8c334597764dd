/**
 * Country and AS lookups for hop addresses from MaxMind-format databases
 * (`[geoip] country_database_path` / `asn_database_path`, each optional).
 * Unlike the original, which loaded the files once, a database replaced on disk
 * (monthly updates) is picked up without a restart, and a broken replacement
 * is reported once and ignored while the previous copy keeps answering.
 */
import { readFileSync, statSync } from "node:fs";
import { isIPv4 } from "node:net";
import { type AsnResponse, type CountryResponse, Reader, type Response } from "maxmind";
import type { Config } from "../config/schema";
import type { Logger } from "../core/log";
import { ipInRanges, parseCidr } from "../core/net";

export interface GeoInfo {
  /** ISO 3166-1 alpha-2, e.g. "GB". */
  countryCode?: string;
  /** English country name. */
  country?: string;
  asn?: number;
  asOrg?: string;
}

export interface GeoIpOptions {
  /** How often, at most, each database file is checked for replacement. */
  recheckMs?: number;
}

/** Often enough that a monthly update shows up promptly, rarely enough that a traceroute's lookups cost no disk I/O. */
const DEFAULT_RECHECK_MS = 5000;

/** Addresses no geolocation database can say anything useful about. */
const NOT_GLOBAL = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
  "::/128",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
  "2001:db8::/32",
].map((cidr) => parseCidr(cidr)!);

/** One database file, reloaded when the file at its path changes. */
class WatchedDatabase<T extends Response> {
  private reader: Reader<T> | null = null;
  /** Identity of the file last tried (inode, size, mtime), so each version is read, or warned about, once. */
  private fileSignature: string | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private lookupFailureWarned = false;

  constructor(
    private readonly kind: string,
    private readonly path: string,
    private readonly log: Logger,
    private readonly recheckMs: number,
  ) {}

  get(ip: string): T | null {
    this.refresh();
    if (!this.reader) return null;
    try {
      return this.reader.get(ip);
    } catch (err) {
      if (!this.lookupFailureWarned)
        this.log.warn(`GeoIP ${this.kind} database lookup failed`, { path: this.path, error: err });
      this.lookupFailureWarned = true;
      return null;
    }
  }

  private refresh(): void {
    const now = performance.now();
    if (now - this.checkedAt < this.recheckMs) return;
    this.checkedAt = now;
    let signature: string;
    try {
      const stat = statSync(this.path);
      signature = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch (err) {
      if (this.fileSignature !== "missing")
        this.log.warn(`GeoIP ${this.kind} database cannot be opened`, { path: this.path, error: err });
      this.fileSignature = "missing";
      return;
    }
    if (signature === this.fileSignature) return;
    this.fileSignature = signature;
    try {
      // Read synchronously so lookups stay synchronous; this happens once per file version.
      const reader = new Reader<T>(readFileSync(this.path));
      // A truncated or corrupt file can pass the metadata check and fail only on its first lookup.
      reader.get("1.1.1.1");
      this.reader = reader;
      this.lookupFailureWarned = false;
      this.log.info(`GeoIP ${this.kind} database loaded`, { path: this.path, type: reader.metadata.databaseType });
    } catch (err) {
      this.log.warn(
        `GeoIP ${this.kind} database is not a readable MaxMind database${this.reader ? "; keeping the previous one" : ""}`,
        { path: this.path, error: err },
      );
    }
  }
}

export class GeoIp {
  private readonly countries: WatchedDatabase<CountryResponse> | null;
  private readonly asns: WatchedDatabase<AsnResponse> | null;

  constructor(paths: Config["geoip"], log: Logger, options: GeoIpOptions = {}) {
    const recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
    this.countries = paths.country_database_path
      ? new WatchedDatabase("country", paths.country_database_path, log, recheckMs)
      : null;
    this.asns = paths.asn_database_path ? new WatchedDatabase("ASN", paths.asn_database_path, log, recheckMs) : null;
  }

  /** Whether any database is configured (the UI can hide GeoIP columns otherwise). */
  get enabled(): boolean {
    return this.countries !== null || this.asns !== null;
  }

  /** What the databases know about an IP address; empty for names, private, loopback and other non-global addresses. */
  lookup(ip: string): GeoInfo {
    const mapped = ip.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)?.[1];
    const address = mapped && isIPv4(mapped) ? mapped : ip;
    if (!parseCidr(address) || ipInRanges(address, NOT_GLOBAL)) return {};
    const info: GeoInfo = {};
    const place = this.countries?.get(address);
    // Some networks (anycast, satellite) have no located country; the registrant's country is the best remaining hint.
    const country = place?.country ?? place?.registered_country;
    if (country?.iso_code) info.countryCode = country.iso_code;
    if (country?.names?.en) info.country = country.names.en;
    const network = this.asns?.get(address);
    if (network?.autonomous_system_number !== undefined) info.asn = network.autonomous_system_number;
    if (network?.autonomous_system_organization) info.asOrg = network.autonomous_system_organization;
    return info;
  }
}

/** `AS15169 Google Inc.` (just `AS15169` when the organisation is unknown). */
export function formatAsn(asn: number, org?: string): string {
  return org ? `AS${asn} ${org}` : `AS${asn}`;
}

/** The flag emoji for an ISO country code (two regional-indicator letters); empty for anything else. */
export function countryFlag(countryCode: string): string {
  const code = countryCode.toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) return "";
  return String.fromCodePoint(...[...code].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
}
