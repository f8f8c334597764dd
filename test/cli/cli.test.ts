import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import TOML from "@iarna/toml";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "netronome-cli-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the CLI from source in `cwd` with HOME pointed at a temp folder, so ~/.config is never touched. */
function cli(args: string[], opts: { cwd?: string; stdin?: string; env?: Record<string, string> } = {}) {
  const cwd = opts.cwd ?? tempDir();
  const home = opts.env?.HOME ?? tempDir();
  const r = Bun.spawnSync([process.execPath, MAIN, ...args], {
    cwd,
    stdin: opts.stdin === undefined ? "ignore" : Buffer.from(opts.stdin),
    env: { PATH: process.env.PATH ?? "", HOME: home, ...opts.env },
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString(), cwd, home };
}

describe("netronome CLI", () => {
  test("version prints version, commit, build date, Bun version, os/arch and where the build comes from", () => {
    const r = cli(["version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^netronome \S+\ncommit: +\S+\nbuilt: +\S+\nbun: +1\.\d+\.\d+\nos\/arch: +\w+\/\w+\nrelease: +from source\n$/,
    );
  });

  test("--help lists the commands; each command has its own --help", () => {
    const r = cli(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["serve", "generate-config", "create-user", "change-password", "update", "version"])
      expect(r.stdout).toContain(c);
    const sub = cli(["create-user", "--help"]);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain("Usage: netronome create-user <username>");
  });

  test("usage errors exit 2 with a one-line message", () => {
    for (const args of [["frobnicate"], ["create-user"], ["version", "extra"], ["serve", "--bogus"], ["--config"]]) {
      const r = cli(args);
      expect([args.join(" "), r.code]).toEqual([args.join(" "), 2]);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toStartWith("netronome: ");
    }
  });

  test("generate-config writes every section with a random secret and refuses to overwrite", () => {
    const dir = tempDir();
    const path = join(dir, "conf", "config.toml");
    const r = cli(["generate-config", "--path", path]);
    expect(r.code).toBe(0);
    const parsed = TOML.parse(readFileSync(path, "utf8")) as Record<string, Record<string, unknown>>;
    expect(parsed.session!.session_secret).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed.server!.port).toBe(7575);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = cli(["generate-config", "--path", path]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
  });

  test("generate-config defaults to ~/.config/netronome/config.toml", () => {
    const home = tempDir();
    expect(cli(["generate-config"], { env: { HOME: home } }).code).toBe(0);
    expect(existsSync(join(home, ".config/netronome/config.toml"))).toBe(true);
  });

  test("create-user and change-password read the password from stdin; the database sits beside the config", () => {
    const dir = tempDir();
    const config = join(dir, "config.toml");
    writeFileSync(config, '[database]\npath = "data/netronome.db"\n');
    const created = cli(["--config", config, "create-user", "alice"], { stdin: "password123\n" });
    expect([created.code, created.stderr]).toEqual([0, ""]);
    expect(created.stdout).toContain('created user "alice"');
    expect(existsSync(join(dir, "data/netronome.db"))).toBe(true);
    const dup = cli(["--config", config, "create-user", "alice"], { stdin: "password123\n" });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain("already exists");
    const changed = cli(["--config", config, "change-password", "alice"], { stdin: "another password\n" });
    expect(changed.code).toBe(0);
    const missing = cli(["--config", config, "change-password", "bob"], { stdin: "another password\n" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('user "bob" does not exist');
  });

  test("an empty password on stdin exits 2 and creates nothing", () => {
    const dir = tempDir();
    const r = cli(["create-user", "alice"], { cwd: dir, stdin: "\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no password on stdin");
    expect(existsSync(join(dir, "netronome.db"))).toBe(false);
  });

  test("a too-short password exits 1 with the rule", () => {
    const r = cli(["create-user", "alice"], { stdin: "short\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("password: at least 8 characters");
  });

  test("a bad config stops start-up with one message naming the file and key, never a stack trace", () => {
    const dir = tempDir();
    const config = join(dir, "config.toml");
    writeFileSync(config, "[server]\nport = 99999\n");
    const r = cli(["--config", config, "serve"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `netronome: config file ${config}: [server] port must be an integer between 1 and 65535 (got 99999)`,
    );
  });
});
