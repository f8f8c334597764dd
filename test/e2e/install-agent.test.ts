/**
 * scripts/install-agent.sh as users run it (the copy attached to a release, as a file and piped into bash), installing
 * into a scratch root (--prefix) from a fake GitHub on loopback serving real signed releases.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createPrivateKey, sign } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import TOML from "@iarna/toml";
import { describeIf, hasCommand } from "../helpers/env";
import { REPOSITORY, type TestReleases, testReleases } from "../helpers/releases";
import { type FakeGitHub, startFakeGitHub } from "../servers/github-releases-server";

let r: TestReleases;
let gh: FakeGitHub;
let script: string;
const roots: string[] = [];

beforeAll(async () => {
  r = await testReleases();
  gh = startFakeGitHub(REPOSITORY);
  script = join(r.v1, "install-agent.sh");
}, 600_000);
afterAll(() => {
  gh?.stop();
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  gh.override = undefined;
});

function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), "netronome-root-"));
  roots.push(root);
  return root;
}

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs the installer without a terminal (setsid: no /dev/tty), as a file or piped into bash. */
async function installer(args: string[], opts: { piped?: boolean; path?: string; file?: string } = {}): Promise<Run> {
  const file = opts.file ?? script;
  const argv = opts.piped ? ["setsid", "-w", "bash", "-s", "--", ...args] : ["setsid", "-w", "bash", file, ...args];
  const proc = Bun.spawn(argv, {
    stdin: opts.piped ? Bun.file(file) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: opts.path ?? process.env.PATH ?? "", HOME: tmpdir() },
  });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out, err };
}

/** Every file and folder under root with its mode and SHA-256, for before/after comparisons. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = statSync(path);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[`${relative(root, path)}/`] = mode;
        walk(path);
      } else
        out[relative(root, path)] =
          `${mode} ${st.uid} ${new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex").slice(0, 12)}`;
    }
  };
  walk(root);
  return out;
}

const UNIT_DIR = "etc/systemd/system";
const read = (root: string, path: string) => readFileSync(join(root, path), "utf8");
const versionIn = (root: string) =>
  Bun.spawnSync([join(root, "opt/netronome/netronome"), "version"])
    .stdout.toString()
    .split("\n")[0];
const common = () => ["--api-url", gh.url, "--yes"];

describe("install-agent.sh", () => {
  test("a fresh install: executable, config (mode 600), hardened unit, update timer; then idempotent", async () => {
    gh.publishDir(r.v1, "1.0.0");
    const root = scratch();
    const run = await installer(["--prefix", root, ...common()]);
    expect(run.err).not.toContain("error");
    expect(run.code).toBe(0);
    expect(run.out).toContain("signature of netronome_1.0.0_checksums.txt verified");
    expect(run.out).toContain(`SHA-256 of netronome_1.0.0_${r.platform}.tar.gz verified`);
    expect(Object.keys(tree(root)).sort()).toEqual(
      [
        "etc/",
        "etc/netronome/",
        "etc/netronome/agent.toml",
        "etc/systemd/",
        `${UNIT_DIR}/`,
        `${UNIT_DIR}/netronome-agent-update.service`,
        `${UNIT_DIR}/netronome-agent-update.timer`,
        `${UNIT_DIR}/netronome-agent.service`,
        "opt/",
        "opt/netronome/",
        "opt/netronome/netronome",
      ].sort(),
    );
    expect(versionIn(root)).toBe("netronome 1.0.0");
    const bin = statSync(join(root, "opt/netronome/netronome"));
    expect([bin.mode & 0o7777, bin.uid]).toEqual([0o755, 0]);
    expect(statSync(join(root, "etc/netronome/agent.toml")).mode & 0o777).toBe(0o600);

    const config = TOML.parse(read(root, "etc/netronome/agent.toml")) as Record<string, Record<string, unknown>>;
    expect(config.agent).toMatchObject({ host: "0.0.0.0", port: 8200, interface: "", disk_includes: [] });
    expect(config.agent!.api_key).toMatch(/^[0-9a-f]{32}$/);
    expect(run.out).toContain(`API key: ${config.agent!.api_key}`);
    expect(config.update).toEqual({ api_url: gh.url, repository: REPOSITORY });

    const unit = read(root, `${UNIT_DIR}/netronome-agent.service`);
    for (const line of [
      "User=netronome",
      "ExecStart=/opt/netronome/netronome agent --config /etc/netronome/agent.toml",
      "Restart=always",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ProtectHome=read-only",
      "PrivateTmp=yes",
      "CapabilityBoundingSet=",
    ])
      expect(unit.split("\n")).toContain(line);
    const timer = read(root, `${UNIT_DIR}/netronome-agent-update.timer`).split("\n");
    for (const line of ["OnCalendar=daily", "RandomizedDelaySec=4h", "Persistent=true", "WantedBy=timers.target"])
      expect(timer).toContain(line);
    const updater = read(root, `${UNIT_DIR}/netronome-agent-update.service`);
    expect(updater).toContain(
      "ExecStart=/opt/netronome/netronome --config /etc/netronome/agent.toml update --restart=netronome-agent.service",
    );
    expect(updater).not.toMatch(/curl|wget|bash|install-agent/);
    expect(updater).toContain("ReadWritePaths=/opt/netronome");

    const before = tree(root);
    const again = await installer(["--prefix", root, ...common()]);
    expect(again.code).toBe(0);
    expect(again.out).toContain("netronome 1.0.0 is already installed");
    expect(again.out).toContain("/etc/netronome/agent.toml is unchanged");
    expect(again.out).not.toContain("wrote");
    expect(tree(root)).toEqual(before);
  }, 120_000);

  test("piped into bash without a terminal it installs with the defaults, as with --yes", async () => {
    gh.publishDir(r.v1, "1.0.0");
    const root = scratch();
    const run = await installer(["--prefix", root, "--api-url", gh.url], { piped: true });
    expect(run.code).toBe(0);
    expect(versionIn(root)).toBe("netronome 1.0.0");
    expect(read(root, "etc/netronome/agent.toml")).toContain('host = "0.0.0.0"');
  }, 120_000);

  test("flags set every choice; hostile values are stored as data or refused before anything is installed", async () => {
    gh.publishDir(r.v1, "1.0.0");
    const root = scratch();
    const key = 'k"ey\\with $(reboot) `x` ünï';
    const run = await installer([
      "--prefix",
      root,
      ...common(),
      `--api-key=${key}`,
      "--host",
      "127.0.0.1",
      "--port",
      "9100",
      "--interface",
      "eth0",
      "--disk-include",
      '/mnt/a, /mnt/"b" ,,/srv/*',
      "--disk-exclude",
      "/boot",
      "--auto-update",
      "false",
    ]);
    expect(run.code).toBe(0);
    const config = TOML.parse(read(root, "etc/netronome/agent.toml")) as Record<string, Record<string, unknown>>;
    expect(config.agent).toEqual({
      host: "127.0.0.1",
      port: 9100,
      interface: "eth0",
      api_key: key,
      disk_includes: ["/mnt/a", '/mnt/"b"', "/srv/*"],
      disk_excludes: ["/boot"],
    });
    expect(readdirSync(join(root, UNIT_DIR))).toEqual(["netronome-agent.service"]);
    // A re-run without flags keeps every setting, automatic updates off included.
    const before = tree(root);
    expect((await installer(["--prefix", root, ...common()])).code).toBe(0);
    expect(tree(root)).toEqual(before);

    for (const [flag, value, message] of [
      ["--port", "0", "--port must be 1-65535"],
      ["--port", "70000", "--port must be 1-65535"],
      ["--port", "08200", "--port must be 1-65535"],
      ["--host", "$(reboot)", "--host must be an address or host name"],
      ["--interface", "-i", "--interface must be an interface name"],
      ["--api-key", "a\u0007b", "--api-key contains control characters"],
      ["--auto-update", "maybe", "--auto-update must be true or false"],
    ] as const) {
      const fresh = scratch();
      const bad = await installer(["--prefix", fresh, ...common(), flag, value]);
      expect([flag, value, bad.code, bad.err.trim()]).toEqual([flag, value, 1, `error: ${message}`]);
      expect(readdirSync(fresh)).toEqual([]);
    }
    expect((await installer(["--prefix", scratch(), "--bogus"])).err).toContain("unknown option --bogus");
    expect((await installer(["--prefix", "relative/dir"])).err).toContain("--prefix must be an absolute path");
  }, 180_000);

  /** Each bad release: refused with a message, nothing installed. */
  async function refused(expected: RegExp): Promise<void> {
    const root = scratch();
    const run = await installer(["--prefix", root, ...common()]);
    expect(run.err).toMatch(expected);
    expect(run.code).toBe(1);
    expect(readdirSync(root)).toEqual([]);
  }

  test("a checksum mismatch, a bad or missing signature, a missing checksums file are refused", async () => {
    const archive = `netronome_1.0.0_${r.platform}.tar.gz`;
    const sums = "netronome_1.0.0_checksums.txt";
    let rel = gh.publishDir(r.v1, "1.0.0");
    const tampered = new Uint8Array(rel.assets.get(archive)!);
    tampered[tampered.length >> 1]! ^= 1;
    rel.assets.set(archive, tampered);
    await refused(/checksum mismatch for netronome_1\.0\.0_.*\.tar\.gz .*; refusing it/);

    rel = gh.publishDir(r.v1, "1.0.0");
    const forged = `${new Bun.CryptoHasher("sha256").update(tampered).digest("hex")}  ${archive}\n`;
    rel.assets.set(archive, tampered);
    rel.assets.set(sums, new TextEncoder().encode(forged));
    await refused(/the signature of netronome_1\.0\.0_checksums\.txt does not match the release key/);

    rel = gh.publishDir(r.v1, "1.0.0");
    rel.assets.set(`${sums}.sig`, new Uint8Array(sign(null, rel.assets.get(sums)!, r.otherKey)));
    await refused(/does not match the release key/);

    gh.publishDir(r.v1, "1.0.0").assets.delete(`${sums}.sig`);
    await refused(/release 1\.0\.0 is not signed; refusing it/);
    gh.publishDir(r.v1, "1.0.0").assets.delete(sums);
    await refused(/release 1\.0\.0 has no netronome_1\.0\.0_checksums\.txt; refusing it/);
    gh.publishDir(r.v1, "1.0.0").assets.delete(archive);
    await refused(new RegExp(`release 1\\.0\\.0 has no build for ${r.platform}`));
    const other = await installer(["--prefix", scratch(), ...common(), "--repository", "acme/other"]);
    expect(other).toMatchObject({ code: 1, err: expect.stringContaining("cannot read release latest of acme/other") });
  }, 120_000);

  test("--update moves the installed agent to the latest release; --version installs a given one", async () => {
    gh.publishDir(r.v1, "1.0.0");
    const root = scratch();
    expect((await installer(["--prefix", root, ...common()])).code).toBe(0);
    const config = read(root, "etc/netronome/agent.toml");
    gh.publishDir(r.v2, "1.1.0");
    const run = await installer(["--prefix", root, "--update", "--api-url", gh.url]);
    expect(run.err.replace(/^ {2}[\d.]+ \/ [\d.]+ MB 100 %\n/, "")).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toContain("updated");
    expect(versionIn(root)).toBe("netronome 1.1.0");
    expect(read(root, "etc/netronome/agent.toml")).toBe(config);
    // An explicit version, older than the latest.
    const pinned = scratch();
    expect((await installer(["--prefix", pinned, ...common(), "--version", "v1.0.0"])).code).toBe(0);
    expect(versionIn(pinned)).toBe("netronome 1.0.0");
    const missing = await installer(["--prefix", scratch(), ...common(), "--version", "9.9.9"]);
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining("cannot read release tags/v9.9.9") });
    const notInstalled = await installer(["--prefix", scratch(), "--update", "--api-url", gh.url]);
    expect(notInstalled.err).toContain("the agent is not installed in /opt/netronome/netronome");
  }, 180_000);

  test("--uninstall leaves nothing behind", async () => {
    gh.publishDir(r.v1, "1.0.0");
    const root = scratch();
    expect((await installer(["--prefix", root, ...common()])).code).toBe(0);
    gh.publishDir(r.v2, "1.1.0");
    expect((await installer(["--prefix", root, "--update", "--api-url", gh.url])).code).toBe(0);
    const run = await installer(["--prefix", root, "--uninstall"]);
    expect(run).toMatchObject({ code: 0, out: "the Netronome agent is uninstalled\n" });
    expect(readdirSync(root)).toEqual([]);
    // Folders that held other files stay, with those files.
    const shared = scratch();
    mkdirSync(join(shared, UNIT_DIR), { recursive: true });
    writeFileSync(join(shared, UNIT_DIR, "other.service"), "[Unit]\n");
    gh.publishDir(r.v1, "1.0.0");
    expect((await installer(["--prefix", shared, ...common()])).code).toBe(0);
    expect((await installer(["--prefix", shared, "--uninstall"])).code).toBe(0);
    expect(Object.keys(tree(shared)).sort()).toEqual([
      "etc/",
      "etc/systemd/",
      `${UNIT_DIR}/`,
      `${UNIT_DIR}/other.service`,
    ]);
  }, 180_000);

  test("without --prefix it must run as root; a copy naming no repository asks for one", async () => {
    gh.publishDir(r.v1, "1.0.0");
    const dir = scratch();
    chmodSync(dir, 0o755);
    const copy = join(dir, "install-agent.sh");
    writeFileSync(copy, readFileSync(script), { mode: 0o644 });
    const asUser = Bun.spawnSync([
      "setpriv",
      "--reuid=nobody",
      "--regid=nogroup",
      "--clear-groups",
      "bash",
      copy,
      "--yes",
    ]);
    expect(asUser.exitCode).toBe(1);
    expect(asUser.stderr.toString()).toContain("error: run as root");
    const bare = await installer(["--prefix", scratch(), ...common()], { file: "scripts/install-agent.sh" });
    expect(bare).toMatchObject({ code: 1, err: expect.stringContaining("error: no repository: pass --repository") });
  });

  /** A directory with a fake `uname` first on PATH, so the installer believes it runs on another system. */
  function pretend(os: string, machine: string): string {
    const bin = scratch();
    writeFileSync(
      join(bin, "uname"),
      `#!/bin/sh\ncase "$1" in -s) echo ${os} ;; -m) echo ${machine} ;; *) exec /bin/uname "$@" ;; esac\n`,
      { mode: 0o755 },
    );
    return `${bin}:${process.env.PATH}`;
  }

  test("32-bit ARM and unknown machines are told plainly that there is no build for them", async () => {
    gh.publishDir(r.v1, "1.0.0");
    for (const machine of ["armv7l", "armv6l"]) {
      const run = await installer(["--prefix", scratch(), ...common()], { path: pretend("Linux", machine) });
      expect(run).toMatchObject({ code: 1, err: expect.stringContaining("32-bit ARM is not supported") });
    }
    const odd = await installer(["--prefix", scratch(), ...common()], { path: pretend("Linux", "riscv64") });
    expect(odd.err).toContain("unsupported architecture riscv64");
    const bsd = await installer(["--prefix", scratch(), ...common()], { path: pretend("FreeBSD", "amd64") });
    expect(bsd.err).toContain("unsupported system FreeBSD");
  });

  test("on macOS it installs under /usr/local with launchd jobs for the agent and its daily update", async () => {
    // The darwin_arm64 archive of this fake release holds this machine's executable, so that its test run passes here.
    const rel = gh.publishDir(r.v1, "1.0.0");
    const darwin = "netronome_1.0.0_darwin_arm64.tar.gz";
    rel.assets.set(darwin, rel.assets.get(`netronome_1.0.0_${r.platform}.tar.gz`)!);
    const sums = `${new Bun.CryptoHasher("sha256").update(rel.assets.get(darwin)!).digest("hex")}  ${darwin}\n`;
    rel.assets.set("netronome_1.0.0_checksums.txt", new TextEncoder().encode(sums));
    rel.assets.set(
      "netronome_1.0.0_checksums.txt.sig",
      new Uint8Array(sign(null, new TextEncoder().encode(sums), createPrivateKey(readFileSync(r.keyFile)))),
    );
    const root = scratch();
    const run = await installer(["--prefix", root, ...common(), "--port", "9200"], {
      path: pretend("Darwin", "arm64"),
    });
    expect(run.code).toBe(0);
    expect(
      Object.keys(tree(root))
        .filter((p) => !p.endsWith("/"))
        .sort(),
    ).toEqual([
      "Library/LaunchDaemons/com.netronome.agent-update.plist",
      "Library/LaunchDaemons/com.netronome.agent.plist",
      "usr/local/etc/netronome/agent.toml",
      "usr/local/opt/netronome/netronome",
    ]);
    const agent = read(root, "Library/LaunchDaemons/com.netronome.agent.plist");
    expect(agent).toContain("<key>Label</key><string>com.netronome.agent</string>");
    expect(agent).toMatch(
      /<array>\s*<string>\/usr\/local\/opt\/netronome\/netronome<\/string>\s*<string>agent<\/string>\s*<string>--config<\/string>\s*<string>\/usr\/local\/etc\/netronome\/agent.toml<\/string>\s*<\/array>/,
    );
    expect(agent).toContain("<key>UserName</key><string>_netronome</string>");
    expect(agent).toContain("<key>KeepAlive</key><true/>");
    const update = read(root, "Library/LaunchDaemons/com.netronome.agent-update.plist");
    expect(update).toContain("<string>update</string>\n    <string>--restart=com.netronome.agent</string>");
    expect(update).toMatch(/<key>Hour<\/key><integer>3<\/integer><key>Minute<\/key><integer>\d{1,2}<\/integer>/);
    for (const plist of [agent, update]) {
      // Well-formed: every element closes in order.
      const stack: string[] = [];
      for (const [, close, name, selfClosing] of plist.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
        if (selfClosing) continue;
        if (close) expect(stack.pop()).toBe(name);
        else stack.push(name!);
      }
      expect(stack).toEqual([]);
    }
    expect((await installer(["--prefix", root, "--uninstall"], { path: pretend("Darwin", "arm64") })).code).toBe(0);
    expect(readdirSync(root)).toEqual([]);
  }, 120_000);

  describeIf(hasCommand("script"), "script (util-linux) is not installed", "through a terminal", () => {
    test("asks for each setting through /dev/tty and uses the answers", async () => {
      gh.publishDir(r.v1, "1.0.0");
      const root = scratch();
      const answers = "eth0\nmy-key\n127.0.0.1\n9300\n/mnt/x\n/boot\nfalse\n";
      const proc = Bun.spawn(["script", "-qec", `bash ${script} --prefix ${root} --api-url ${gh.url}`, "/dev/null"], {
        stdin: new TextEncoder().encode(answers),
        stdout: "pipe",
        stderr: "pipe",
        env: { PATH: process.env.PATH ?? "", HOME: tmpdir(), TERM: "dumb" },
      });
      const out = await new Response(proc.stdout).text();
      expect(await proc.exited).toBe(0);
      expect(out).toContain("Port [8200]:");
      const config = TOML.parse(read(root, "etc/netronome/agent.toml")) as Record<string, Record<string, unknown>>;
      expect(config.agent).toEqual({
        host: "127.0.0.1",
        port: 9300,
        interface: "eth0",
        api_key: "my-key",
        disk_includes: ["/mnt/x"],
        disk_excludes: ["/boot"],
      });
      expect(readdirSync(join(root, UNIT_DIR))).toEqual(["netronome-agent.service"]);
    }, 120_000);
  });

  describeIf(hasCommand("systemd-analyze"), "systemd-analyze is not installed", "systemd", () => {
    test("systemd-analyze verify accepts the units (every directive known, the executable present)", async () => {
      gh.publishDir(r.v1, "1.0.0");
      const root = scratch();
      expect((await installer(["--prefix", root, ...common()])).code).toBe(0);
      // Verified where the executable really is: the units name /opt/netronome, which is in the scratch root.
      const units = scratch();
      for (const name of readdirSync(join(root, UNIT_DIR)))
        writeFileSync(
          join(units, name),
          read(root, `${UNIT_DIR}/${name}`).replaceAll(
            "/opt/netronome/netronome",
            join(root, "opt/netronome/netronome"),
          ),
        );
      const verify = Bun.spawnSync(["systemd-analyze", "verify", ...readdirSync(units).map((n) => join(units, n))], {
        env: { ...process.env, SYSTEMD_LOG_TARGET: "console", SYSTEMD_LOG_LEVEL: "info" },
      });
      expect(verify.stderr.toString() + verify.stdout.toString()).toBe("");
      expect(verify.exitCode).toBe(0);
    }, 120_000);
  });
});
