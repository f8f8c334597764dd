import { describe, expect, test } from "bun:test";
import { AgentFlagError, resolveAgentOptions, securityWarnings } from "../../../src/agent/options";
import { boolFlag, listFlag, parseArgs, UsageError } from "../../../src/cli/args";
import { ConfigError, configFrom } from "../../../src/config/load";

const config = (agent: Record<string, unknown> = {}, logging: Record<string, unknown> = {}) =>
  configFrom({ agent, logging }).config;

describe("agent options", () => {
  test("defaults from the schema: 0.0.0.0:8200, no key, all metrics", () => {
    expect(resolveAgentOptions(config(), {})).toEqual({
      host: "0.0.0.0",
      port: 8200,
      interface: "",
      apiKey: "",
      diskIncludes: [],
      diskExcludes: [],
      disableSystemMetrics: false,
      disableMeasurements: false,
      measure: {
        speedtest: configFrom({}).config.speedtest,
        configDir: process.cwd(),
        maxProbes: 10,
        maxTraceroutes: 4,
      },
      libreSpeed: null,
      logLevel: "info",
    });
  });

  test("flags override the [agent] section; absent flags keep it", () => {
    const c = config(
      { host: "10.0.0.5", port: 8300, interface: "eth0", api_key: "from-config", disk_includes: ["/mnt/a"] },
      { level: "warn" },
    );
    expect(resolveAgentOptions(c, {})).toMatchObject({
      host: "10.0.0.5",
      port: 8300,
      apiKey: "from-config",
      logLevel: "warn",
    });
    expect(
      resolveAgentOptions(c, {
        port: "9000",
        interface: "wg0",
        diskIncludes: ["/mnt/b", "/mnt/c*"],
        disableSystemMetrics: true,
        logLevel: "debug",
      }),
    ).toMatchObject({
      host: "10.0.0.5",
      port: 9000,
      interface: "wg0",
      apiKey: "from-config",
      diskIncludes: ["/mnt/b", "/mnt/c*"],
      disableSystemMetrics: true,
      logLevel: "debug",
    });
  });

  test.each([
    [{ port: "http" }, "--port: must be a whole number between 1 and 65535"],
    [{ port: "0" }, "--port"],
    [{ port: "70000" }, "--port"],
    [{ interface: "-i eth0" }, "--interface: may hold only letters"],
    [{ interface: "a".repeat(16) }, "--interface: is longer than 15 characters"],
    [{ interface: "eth0;reboot" }, "--interface"],
    [{ host: "bad host" }, "--host: must be an IP address or host name"],
    [{ logLevel: "loud" }, "--log-level: must be one of trace, debug, info, warn, error"],
    [{ apiKey: "  " }, "--api-key: is empty"],
  ])("a bad flag %p is refused: %p", (flags, message) => {
    expect(() => resolveAgentOptions(config(), flags)).toThrow(AgentFlagError);
    expect(() => resolveAgentOptions(config(), flags)).toThrow(message);
  });

  test("the config file is checked with the same rules", () => {
    expect(() => config({ interface: "--help" })).toThrow(ConfigError);
    expect(() => config({ host: "a b" })).toThrow("[agent] host must be an IP address or host name");
    expect(() => config({ port: 0 })).toThrow("[agent] port must be an integer between 1 and 65535");
  });

  test("start-up warnings: no key at all, or a short one", () => {
    const open = resolveAgentOptions(config(), {});
    expect(securityWarnings(open)[0]).toContain("no API key: anyone who can reach this host:8200");
    expect(securityWarnings({ ...open, apiKey: "short" })[0]).toContain("the API key is short (5 characters)");
    expect(securityWarnings({ ...open, apiKey: "0123456789abcdef0123" })).toEqual([]);
  });
});

describe("agent flags on the command line", () => {
  test("repeatable lists, comma lists, short forms, booleans", () => {
    const args = parseArgs([
      "agent",
      "-p",
      "8300",
      "-i",
      "eth0",
      "--disk-include",
      "/mnt/a",
      "--disk-include=/mnt/b,/mnt/c*",
      "--disable-system-metrics",
      "-k",
      "secret",
    ]);
    expect(args.flags.get("port")).toBe("8300");
    expect(args.flags.get("interface")).toBe("eth0");
    expect(args.flags.get("api-key")).toBe("secret");
    expect(listFlag(args, "disk-include")).toEqual(["/mnt/a", "/mnt/b", "/mnt/c*"]);
    expect(listFlag(args, "disk-exclude")).toBeUndefined();
    expect(boolFlag(args, "disable-system-metrics")).toBe(true);
    expect(boolFlag(parseArgs(["agent", "--disable-system-metrics=false"]), "disable-system-metrics")).toBe(false);
    expect(() => boolFlag(parseArgs(["agent", "--disable-system-metrics=maybe"]), "disable-system-metrics")).toThrow(
      UsageError,
    );
    expect(() => listFlag(parseArgs(["agent", "--disk-exclude", "/a,,/b"]), "disk-exclude")).toThrow("empty value");
    expect(() => parseArgs(["agent", "--port"])).toThrow("option --port needs a value");
    expect(() => parseArgs(["agent", "-p", "--host", "x"])).toThrow("option -p needs a value");
  });
});
