import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, silentLogger } from "../../src/core/log";
import { countryFlag, formatAsn, GeoIp } from "../../src/diagnostics/geoip";

const fixtures = join(import.meta.dir, "../fixtures/geoip");
const COUNTRY_DB = join(fixtures, "GeoLite2-Country-Test.mmdb");
const ASN_DB = join(fixtures, "GeoLite2-ASN-Test.mmdb");

function recordingLogger() {
  const lines: string[] = [];
  return {
    log: createLogger("debug", "", (line) => lines.push(line)),
    warnings: () => lines.filter((l) => l.includes(" WRN ")),
  };
}

describe("lookups", () => {
  const geo = new GeoIp({ country_database_path: COUNTRY_DB, asn_database_path: ASN_DB }, silentLogger);

  test.each([
    ["81.2.69.142", "GB", "United Kingdom"],
    ["89.160.20.112", "SE", "Sweden"],
    ["2.125.160.216", "GB", "United Kingdom"],
    ["::ffff:81.2.69.142", "GB", "United Kingdom"],
  ])("country of %s", (ip, countryCode, country) => {
    expect(geo.lookup(ip)).toMatchObject({ countryCode, country });
  });

  test("country and AS together", () => {
    expect(geo.lookup("89.160.20.112")).toEqual({
      countryCode: "SE",
      country: "Sweden",
      asn: 29518,
      asOrg: "Bredband2 AB",
    });
  });

  test.each([
    ["1.0.0.1", 15169, "Google Inc."],
    ["1.128.0.1", 1221, "Telstra Pty Ltd"],
  ])("AS of %s", (ip, asn, asOrg) => {
    expect(geo.lookup(ip)).toEqual({ asn, asOrg });
  });

  test.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.1.1",
    "::1",
    "fe80::1",
    "fd00::1",
    "::ffff:127.0.0.1",
  ])("nothing for non-global %s", (ip) => {
    expect(geo.lookup(ip)).toEqual({});
  });

  test.each(["", "localhost", "example.com", "999.1.1.1", "-1"])("nothing for non-address %p", (ip) => {
    expect(geo.lookup(ip)).toEqual({});
  });

  test("a public address the databases do not know", () => {
    expect(geo.lookup("192.88.99.1")).toEqual({});
  });

  test("enabled when either database is configured", () => {
    expect(geo.enabled).toBe(true);
    expect(new GeoIp({ country_database_path: "", asn_database_path: ASN_DB }, silentLogger).enabled).toBe(true);
  });
});

describe("optional databases", () => {
  test("none configured: disabled, empty answers, no warnings", () => {
    const { log, warnings } = recordingLogger();
    const geo = new GeoIp({ country_database_path: "", asn_database_path: "" }, log);
    expect(geo.enabled).toBe(false);
    expect(geo.lookup("81.2.69.142")).toEqual({});
    expect(warnings()).toEqual([]);
  });

  test("country only", () => {
    const geo = new GeoIp({ country_database_path: COUNTRY_DB, asn_database_path: "" }, silentLogger);
    expect(geo.lookup("1.0.0.1")).toEqual({});
    expect(geo.lookup("89.160.20.112")).toEqual({ countryCode: "SE", country: "Sweden" });
  });

  test("ASN only", () => {
    const geo = new GeoIp({ country_database_path: "", asn_database_path: ASN_DB }, silentLogger);
    expect(geo.lookup("81.2.69.142")).toEqual({});
    expect(geo.lookup("1.0.0.1")).toEqual({ asn: 15169, asOrg: "Google Inc." });
  });
});

describe("replaced and broken files", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "netronome-geoip-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("a database missing at start is picked up once it appears, with one warning meanwhile", () => {
    const { log, warnings } = recordingLogger();
    const path = join(dir, "GeoLite2-ASN.mmdb");
    const geo = new GeoIp({ country_database_path: "", asn_database_path: path }, log, { recheckMs: 0 });
    expect(geo.lookup("1.0.0.1")).toEqual({});
    expect(geo.lookup("1.0.0.1")).toEqual({});
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain("cannot be opened");
    copyFileSync(ASN_DB, path);
    expect(geo.lookup("1.0.0.1")).toEqual({ asn: 15169, asOrg: "Google Inc." });
  });

  test("a file replaced by rename is reloaded without a restart", () => {
    const path = join(dir, "asn.mmdb");
    copyFileSync(COUNTRY_DB, path);
    const geo = new GeoIp({ country_database_path: "", asn_database_path: path }, silentLogger, { recheckMs: 0 });
    expect(geo.lookup("1.0.0.1")).toEqual({});
    copyFileSync(ASN_DB, join(dir, "asn.mmdb.new"));
    renameSync(join(dir, "asn.mmdb.new"), path);
    expect(geo.lookup("1.0.0.1")).toEqual({ asn: 15169, asOrg: "Google Inc." });
  });

  test("a file overwritten in place is reloaded too", () => {
    const path = join(dir, "country.mmdb");
    copyFileSync(COUNTRY_DB, path);
    const geo = new GeoIp({ country_database_path: path, asn_database_path: "" }, silentLogger, { recheckMs: 0 });
    expect(geo.lookup("81.2.69.142").countryCode).toBe("GB");
    writeFileSync(path, readFileSync(ASN_DB));
    expect(geo.lookup("81.2.69.142")).toEqual({});
  });

  test("the file is checked at most once per interval", () => {
    const path = join(dir, "asn.mmdb");
    copyFileSync(COUNTRY_DB, path);
    const geo = new GeoIp({ country_database_path: "", asn_database_path: path }, silentLogger, { recheckMs: 60_000 });
    expect(geo.lookup("1.0.0.1")).toEqual({});
    writeFileSync(path, readFileSync(ASN_DB));
    expect(geo.lookup("1.0.0.1")).toEqual({});
  });

  test.each([
    ["garbage", () => Buffer.from("this is not a MaxMind database")],
    ["truncated", () => readFileSync(COUNTRY_DB).subarray(0, 4000)],
    ["empty", () => Buffer.alloc(0)],
  ])("a %s replacement logs one warning and the previous database keeps answering", (_kind, broken) => {
    const { log, warnings } = recordingLogger();
    const path = join(dir, "country.mmdb");
    copyFileSync(COUNTRY_DB, path);
    const geo = new GeoIp({ country_database_path: path, asn_database_path: "" }, log, { recheckMs: 0 });
    expect(geo.lookup("81.2.69.142").countryCode).toBe("GB");
    writeFileSync(path, broken());
    for (let i = 0; i < 5; i++) expect(geo.lookup("89.160.20.112").countryCode).toBe("SE");
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain("keeping the previous one");
    copyFileSync(ASN_DB, path);
    expect(geo.lookup("81.2.69.142")).toEqual({});
  });

  test("a broken file at start gives empty answers until a good one arrives", () => {
    const { log, warnings } = recordingLogger();
    const path = join(dir, "country.mmdb");
    writeFileSync(path, "broken");
    const geo = new GeoIp({ country_database_path: path, asn_database_path: "" }, log, { recheckMs: 0 });
    expect(geo.lookup("81.2.69.142")).toEqual({});
    expect(warnings()).toHaveLength(1);
    copyFileSync(COUNTRY_DB, path);
    expect(geo.lookup("81.2.69.142").countryCode).toBe("GB");
  });
});

describe("formatting helpers", () => {
  test("formatAsn", () => {
    expect(formatAsn(15169, "Google Inc.")).toBe("AS15169 Google Inc.");
    expect(formatAsn(1221)).toBe("AS1221");
  });

  test("countryFlag", () => {
    expect(countryFlag("GB")).toBe("🇬🇧");
    expect(countryFlag("se")).toBe("🇸🇪");
    expect(countryFlag("")).toBe("");
    expect(countryFlag("GBR")).toBe("");
    expect(countryFlag("1A")).toBe("");
  });
});
