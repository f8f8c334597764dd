/**
 * scripts/install-agent.sh as users run it (the copy attached to a release, as a file and piped into bash), installing
 * into a scratch root (--prefix) from a fake GitHub on loopback serving real signed releases.
 */
import { describe, expect, test } from "bun:test";
import { sign } from "node:crypto";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import TOML from "@iarna/toml";
import { installerHarness, read, tree, UNIT_DIR, versionIn } from "../helpers/installer-harness";
import { REPOSITORY } from "../helpers/releases";

const h = installerHarness();

describe("install-agent.sh", () => {
  test("a fresh install: executable, config (mode 640), hardened unit, update timer; then idempotent", async () => {
    h.gh.publishDir(h.r.v1, "1.0.0");
    const root = h.scratch();
    const run = await h.installer(["--prefix", root, ...h.common()]);
    expect(run.err).not.toContain("error");
    expect(run.code).toBe(0);
    expect(run.out).toContain("signature of netronome_1.0.0_checksums.txt verified");
    expect(run.out).toContain(`SHA-256 of netronome_1.0.0_${h.r.platform}.tar.gz verified`);
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
    expect(statSync(join(root, "etc/netronome/agent.toml")).mode & 0o777).toBe(0o640);

    const config = TOML.parse(read(root, "etc/netronome/agent.toml")) as Record<string, Record<string, unknown>>;
    expect(config.agent).toMatchObject({ host: "0.0.0.0", port: 8200, interface: "", disk_includes: [] });
    expect(config.agent!.api_key).toMatch(/^[0-9a-f]{32}$/);
    expect(run.out).toContain(`API key: ${config.agent!.api_key}`);
    expect(config.update).toEqual({ api_url: h.gh.url, repository: REPOSITORY });

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
    const again = await h.installer(["--prefix", root, ...h.common()]);
    expect(again.code).toBe(0);
    expect(again.out).toContain("netronome 1.0.0 is already installed");
    expect(again.out).toContain("/etc/netronome/agent.toml is unchanged");
    expect(again.out).not.toContain("wrote");
    expect(tree(root)).toEqual(before);
  }, 120_000);

  test("piped into bash without a terminal it installs with the defaults, as with --yes", async () => {
    h.gh.publishDir(h.r.v1, "1.0.0");
    const root = h.scratch();
    const run = await h.installer(["--prefix", root, "--api-url", h.gh.url], { piped: true });
    expect(run.code).toBe(0);
    expect(versionIn(root)).toBe("netronome 1.0.0");
    expect(read(root, "etc/netronome/agent.toml")).toContain('host = "0.0.0.0"');
  }, 120_000);

  test("flags set every choice; hostile values are stored as data or refused before anything is installed", async () => {
    h.gh.publishDir(h.r.v1, "1.0.0");
    const root = h.scratch();
    const key = 'k"ey\\with $(reboot) `x` ünï';
    const run = await h.installer([
      "--prefix",
      root,
      ...h.common(),
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
    expect((await h.installer(["--prefix", root, ...h.common()])).code).toBe(0);
    expect(tree(root)).toEqual(before);

    for (const [flag, value, message] of [
      ["--port", "0", "--port must be 1-65535"],
      ["--port", "70000", "--port must be 1-65535"],
      ["--port", "08200", "--port must be 1-65535"],
      ["--host", "$(reboot)", "--host must be an address or host name"],
      ["--interface", "-i", "--interface must be an interface name"],
      // What the agent refuses at start must be refused here, not written into a config that crash-loops the agent.
      ["--interface", "veth0@if5", "--interface must be an interface name"],
      ["--interface", ".hidden", "--interface must be an interface name"],
      ["--api-key", "a\u0007b", "--api-key contains control characters"],
      ["--auto-update", "maybe", "--auto-update must be true or false"],
      ["--version", "1.0.0/../../x", "--version must be x.y.z"],
    ] as const) {
      const fresh = h.scratch();
      const bad = await h.installer(["--prefix", fresh, ...h.common(), flag, value]);
      expect([flag, value, bad.code, bad.err.trim()]).toEqual([flag, value, 1, `error: ${message}`]);
      expect(readdirSync(fresh)).toEqual([]);
    }
    expect((await h.installer(["--prefix", h.scratch(), "--bogus"])).err).toContain("unknown option --bogus");
    expect((await h.installer(["--prefix", "relative/dir"])).err).toContain("--prefix must be an absolute path");
  }, 180_000);

  test("disk patterns reach the config as typed, never expanded against the installer's own files", async () => {
    // Defect: the lists were split with the shell's word splitting, which also expanded globs: "/tmp*" became "/tmp"
    // and "b*" the files in the folder the installer ran from.
    h.gh.publishDir(h.r.v1, "1.0.0");
    const root = h.scratch();
    const run = await h.installer([
      "--prefix",
      root,
      ...h.common(),
      "--disk-exclude",
      "/tmp*, /var/lib/docker/*,*",
      "--disk-include",
      "b*,/mnt/disk?,/srv/[ab]",
    ]);
    expect(run.code).toBe(0);
    const config = TOML.parse(read(root, "etc/netronome/agent.toml")) as Record<string, Record<string, unknown>>;
    expect(config.agent!.disk_excludes).toEqual(["/tmp*", "/var/lib/docker/*", "*"]);
    expect(config.agent!.disk_includes).toEqual(["b*", "/mnt/disk?", "/srv/[ab]"]);
    const before = tree(root);
    expect((await h.installer(["--prefix", root, ...h.common()])).code).toBe(0);
    expect(tree(root)).toEqual(before);
  }, 120_000);

  test("four installers at once: each installs or stands aside; an executable, and the key every one printed", async () => {
    // Defect: they raced for the same temporary files; one moved another's half-made copy into place (mode 600, so
    // the agent could not start) and each printed a generated key while only one was written.
    h.gh.publishDir(h.r.v1, "1.0.0");
    const root = h.scratch();
    // Their own temporary folder, so that what they leave behind is not confused with other runs' files.
    const tmp = h.scratch();
    const runs = await Promise.all([1, 2, 3, 4].map(() => h.installer(["--prefix", root, ...h.common()], { tmp })));
    const installed = runs.filter((r) => r.code === 0);
    expect(installed.length).toBeGreaterThan(0);
    for (const r of runs.filter((r) => r.code !== 0))
      expect(r.err).toMatch(/^error: another install-agent\.sh is running \(pid \d+\); try again/);
    expect(statSync(join(root, "opt/netronome/netronome")).mode & 0o777).toBe(0o755);
    expect(versionIn(root)).toBe("netronome 1.0.0");
    const config = TOML.parse(read(root, "etc/netronome/agent.toml")) as Record<string, Record<string, unknown>>;
    for (const r of installed) expect(r.out).toContain(`API key: ${config.agent!.api_key}`);
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);

  /** Each bad release: refused with a message, nothing installed. */
  async function refused(expected: RegExp): Promise<void> {
    const root = h.scratch();
    const run = await h.installer(["--prefix", root, ...h.common()]);
    expect(run.err).toMatch(expected);
    expect(run.code).toBe(1);
    expect(readdirSync(root)).toEqual([]);
  }

  test("a checksum mismatch, a bad or missing signature, a missing checksums file are refused", async () => {
    const archive = `netronome_1.0.0_${h.r.platform}.tar.gz`;
    const sums = "netronome_1.0.0_checksums.txt";
    let rel = h.gh.publishDir(h.r.v1, "1.0.0");
    const tampered = new Uint8Array(rel.assets.get(archive)!);
    tampered[tampered.length >> 1]! ^= 1;
    rel.assets.set(archive, tampered);
    await refused(/checksum mismatch for netronome_1\.0\.0_.*\.tar\.gz .*; refusing it/);

    rel = h.gh.publishDir(h.r.v1, "1.0.0");
    const forged = `${new Bun.CryptoHasher("sha256").update(tampered).digest("hex")}  ${archive}\n`;
    rel.assets.set(archive, tampered);
    rel.assets.set(sums, new TextEncoder().encode(forged));
    await refused(/the signature of netronome_1\.0\.0_checksums\.txt does not match the release key/);

    rel = h.gh.publishDir(h.r.v1, "1.0.0");
    rel.assets.set(`${sums}.sig`, new Uint8Array(sign(null, rel.assets.get(sums)!, h.r.otherKey)));
    await refused(/does not match the release key/);

    h.gh.publishDir(h.r.v1, "1.0.0").assets.delete(`${sums}.sig`);
    await refused(/release 1\.0\.0 is not signed; refusing it/);
    h.gh.publishDir(h.r.v1, "1.0.0").assets.delete(sums);
    await refused(/release 1\.0\.0 has no netronome_1\.0\.0_checksums\.txt; refusing it/);
    h.gh.publishDir(h.r.v1, "1.0.0").assets.delete(archive);
    await refused(new RegExp(`release 1\\.0\\.0 has no build for ${h.r.platform}`));
    const other = await h.installer(["--prefix", h.scratch(), ...h.common(), "--repository", "acme/other"]);
    expect(other).toMatchObject({ code: 1, err: expect.stringContaining("cannot read release latest of acme/other") });
  }, 120_000);

  test("--update moves the installed agent to the latest release; --version installs a given one", async () => {
    h.gh.publishDir(h.r.v1, "1.0.0");
    const root = h.scratch();
    expect((await h.installer(["--prefix", root, ...h.common()])).code).toBe(0);
    const config = read(root, "etc/netronome/agent.toml");
    h.gh.publishDir(h.r.v2, "1.1.0");
    const run = await h.installer(["--prefix", root, "--update", "--api-url", h.gh.url]);
    expect(run.err.replace(/^ {2}[\d.]+ \/ [\d.]+ MB 100 %\n/, "")).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toContain("updated");
    expect(versionIn(root)).toBe("netronome 1.1.0");
    expect(read(root, "etc/netronome/agent.toml")).toBe(config);
    // An explicit version, older than the latest.
    const pinned = h.scratch();
    expect((await h.installer(["--prefix", pinned, ...h.common(), "--version", "v1.0.0"])).code).toBe(0);
    expect(versionIn(pinned)).toBe("netronome 1.0.0");
    const missing = await h.installer(["--prefix", h.scratch(), ...h.common(), "--version", "9.9.9"]);
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining("cannot read release tags/v9.9.9") });
    const notInstalled = await h.installer(["--prefix", h.scratch(), "--update", "--api-url", h.gh.url]);
    expect(notInstalled.err).toContain("the agent is not installed in /opt/netronome/netronome");
  }, 180_000);

  test("--uninstall leaves nothing behind", async () => {
    h.gh.publishDir(h.r.v1, "1.0.0");
    const root = h.scratch();
    expect((await h.installer(["--prefix", root, ...h.common()])).code).toBe(0);
    h.gh.publishDir(h.r.v2, "1.1.0");
    expect((await h.installer(["--prefix", root, "--update", "--api-url", h.gh.url])).code).toBe(0);
    const run = await h.installer(["--prefix", root, "--uninstall"]);
    expect(run).toMatchObject({ code: 0, out: "the Netronome agent is uninstalled\n" });
    expect(readdirSync(root)).toEqual([]);
    // Folders that held other files stay, with those files.
    const shared = h.scratch();
    mkdirSync(join(shared, UNIT_DIR), { recursive: true });
    writeFileSync(join(shared, UNIT_DIR, "other.service"), "[Unit]\n");
    h.gh.publishDir(h.r.v1, "1.0.0");
    expect((await h.installer(["--prefix", shared, ...h.common()])).code).toBe(0);
    expect((await h.installer(["--prefix", shared, "--uninstall"])).code).toBe(0);
    expect(Object.keys(tree(shared)).sort()).toEqual([
      "etc/",
      "etc/systemd/",
      `${UNIT_DIR}/`,
      `${UNIT_DIR}/other.service`,
    ]);
  }, 180_000);
});
