/**
 * GeoIP enrichment of traceroute hops with the MaxMind test databases. The
 * hops are built here from public addresses in the fixtures: enrichment only
 * reads the databases, nothing is ever sent to those addresses.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { silentLogger } from "../../src/core/log";
import { GeoIp } from "../../src/diagnostics/geoip";
import { hopJson } from "../../src/diagnostics/traceroute/traceroute.json";
import { enrichHop } from "../../src/diagnostics/traceroute/traceroute.service";
import type { TracerouteHop } from "../../src/protocol/measurements";

const fixtures = join(import.meta.dir, "../fixtures/geoip");
const geoip = new GeoIp(
  {
    country_database_path: join(fixtures, "GeoLite2-Country-Test.mmdb"),
    asn_database_path: join(fixtures, "GeoLite2-ASN-Test.mmdb"),
  },
  silentLogger,
);

function answered(ip: string, host = ip): TracerouteHop {
  return {
    number: 4,
    host,
    ip,
    rtts: [12.5, 13.1, 12.9],
    loss: 0,
    annotations: [],
    responders: [{ host, ip, rtts: [12.5, 13.1, 12.9] }],
    timeout: false,
  };
}

describe("enrichHop", () => {
  test("country, flag and AS of a hop's address", () => {
    expect(enrichHop(answered("89.160.20.112", "core1.example.se"), geoip)).toMatchObject({
      host: "core1.example.se",
      countryCode: "SE",
      country: "Sweden",
      flag: "🇸🇪",
      asn: 29518,
      as: "AS29518 Bredband2 AB",
    });
  });

  test("an address only the AS database knows gets the AS alone", () => {
    const hop = enrichHop(answered("1.0.0.1"), geoip);
    expect(hop.as).toBe("AS15169 Google Inc.");
    expect(hop.countryCode).toBeUndefined();
    expect(hop.flag).toBeUndefined();
  });

  test("an address only the country database knows gets the country alone", () => {
    const hop = enrichHop(answered("81.2.69.142"), geoip);
    expect(hop).toMatchObject({ countryCode: "GB", country: "United Kingdom", flag: "🇬🇧" });
    expect(hop.as).toBeUndefined();
  });

  test.each(["10.213.1.2", "127.0.0.1", "192.168.1.1", "fe80::1"])("private address %s: nothing added", (ip) => {
    expect(enrichHop(answered(ip), geoip)).toEqual(answered(ip));
  });

  test("a silent hop is returned as it is", () => {
    const silent: TracerouteHop = {
      number: 5,
      host: null,
      ip: null,
      rtts: [null, null, null],
      loss: 100,
      annotations: [],
      responders: [],
      timeout: true,
    };
    expect(enrichHop(silent, geoip)).toEqual(silent);
  });

  test("without databases hops are unchanged", () => {
    const none = new GeoIp({ country_database_path: "", asn_database_path: "" }, silentLogger);
    expect(enrichHop(answered("89.160.20.112"), none)).toEqual(answered("89.160.20.112"));
  });
});

describe("hopJson", () => {
  test("the original's fields: as, location, countryCode", () => {
    expect(hopJson(enrichHop(answered("89.160.20.112"), geoip))).toMatchObject({
      number: 4,
      host: "89.160.20.112",
      ip: "89.160.20.112",
      rtt1: 12.5,
      rtt2: 13.1,
      rtt3: 12.9,
      timeout: false,
      as: "AS29518 Bredband2 AB",
      location: "Sweden",
      countryCode: "SE",
      flag: "🇸🇪",
    });
  });

  test("lost probes are 0 in rtt1–rtt3 and null in rtts; a silent hop is *", () => {
    const partial = { ...answered("81.2.69.142"), rtts: [null, 7.25, null], loss: (2 / 3) * 100 };
    expect(hopJson(partial)).toMatchObject({ rtt1: 0, rtt2: 7.25, rtt3: 0, rtts: [null, 7.25, null] });
    const silent = hopJson({ ...answered("1.0.0.1"), host: null, ip: null, rtts: [null, null, null], timeout: true });
    expect(silent).toMatchObject({ host: "*", ip: "*", timeout: true });
    expect(Object.keys(silent)).not.toContain("as");
  });

  test("annotations and every responder are kept", () => {
    const hop: TracerouteHop = {
      ...answered("81.2.69.142"),
      annotations: ["!H"],
      responders: [
        { host: "81.2.69.142", ip: "81.2.69.142", rtts: [1.5] },
        { host: "89.160.20.112", ip: "89.160.20.112", rtts: [2, 2.5] },
      ],
    };
    expect(hopJson(hop)).toMatchObject({ annotations: ["!H"], responders: hop.responders });
  });
});
