import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const home = mkdtempSync(join(tmpdir(), "netronome-cli-agent-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync([process.execPath, MAIN, ...args], {
    cwd: home,
    stdin: "ignore",
    env: { PATH: process.env.PATH ?? "", HOME: home, ...env },
    timeout: 15_000,
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe("netronome agent (command line)", () => {
  test("listed in --help, with its own --help naming every flag", () => {
    expect(cli(["--help"]).stdout).toMatch(/^ {2}agent +Run the monitoring agent/m);
    const help = cli(["agent", "--help"]);
    expect(help.code).toBe(0);
    for (const flag of [
      "--host",
      "--port",
      "--interface",
      "--api-key",
      "--disk-include",
      "--disk-exclude",
      "--disable-system-metrics",
      "--log-level",
      "--config",
    ])
      expect(help.stdout).toContain(flag);
    // Every level the flag accepts (panic was left out).
    expect(help.stdout).toContain("--log-level <level>    trace, debug, info, warn, error, fatal or panic");
  });

  test.each([
    [["agent", "extra"], 'agent takes no arguments (got "extra")'],
    [["agent", "--tailscale"], "agent: unknown option --tailscale"],
    [["agent", "--port", "abc"], 'agent: --port: must be a whole number between 1 and 65535 (got "abc")'],
    [["agent", "-p", "0"], "agent: --port"],
    [["agent", "--interface", "-x"], "agent: --interface: may hold only letters"],
    [["agent", "--log-level", "loud"], "agent: --log-level: must be one of"],
    [["agent", "--disable-system-metrics=maybe"], "option --disable-system-metrics takes no value, or =true / =false"],
    [["agent", "--disk-include", "/a,,/b"], "option --disk-include: empty value"],
    [["agent", "--api-key"], "option --api-key needs a value"],
  ])("%p is a usage error: exit 2, one line", (args, message) => {
    const r = cli(args);
    expect([args.join(" "), r.code]).toEqual([args.join(" "), 2]);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  test("a bad environment value or a taken port is a runtime error with one clear message", () => {
    const env = cli(["agent"], { NETRONOME__AGENT_PORT: "http" });
    expect(env.code).toBe(1);
    expect(env.stderr.trim()).toBe(
      'netronome: environment variable NETRONOME__AGENT_PORT: must be an integer between 1 and 65535 (got "http")',
    );
    const taken = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    try {
      const r = cli(["agent", "--host", "127.0.0.1", "--port", String(taken.port), "--interface", "lo"], {
        PATH: "/nonexistent",
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`netronome: cannot listen on 127.0.0.1:${taken.port}`);
    } finally {
      taken.stop(true);
    }
  });
});
