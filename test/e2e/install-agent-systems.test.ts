/**
 * scripts/install-agent.sh elsewhere: as a non-root user, on 32-bit ARM and other machines it has no build for, on
 * macOS (launchd), through a terminal, and its units checked by systemd-analyze.
 */
import { describe, expect, test } from "bun:test";
import { createPrivateKey, sign } from "node:crypto";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import TOML from "@iarna/toml";
import { describeIf, hasCommand } from "../helpers/env";
import { installerHarness, read, tree, UNIT_DIR } from "../helpers/installer-harness";

const h = installerHarness();

describe("install-agent.sh, other systems and set-ups", () => {
  test("without --prefix it must run as root; a copy naming no repository asks for one", async () => {
    h.gh.publishDir(h.r.v1, "1.0.0");
    const dir = h.scratch();
    chmodSync(dir, 0o755);
    const copy = join(dir, "install-agent.sh");
    writeFileSync(copy, readFileSync(h.script), { mode: 0o644 });
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
    const bare = await h.installer(["--prefix", h.scratch(), ...h.common()], { file: "scripts/install-agent.sh" });
    expect(bare).toMatchObject({ code: 1, err: expect.stringContaining("error: no repository: pass --repository") });
  });

  /** A directory with a fake `uname` first on PATH, so the installer believes it runs on another system. */
  function pretend(os: string, machine: string): string {
    const bin = h.scratch();
    writeFileSync(
      join(bin, "uname"),
      `#!/bin/sh\ncase "$1" in -s) echo ${os} ;; -m) echo ${machine} ;; *) exec /bin/uname "$@" ;; esac\n`,
      { mode: 0o755 },
    );
    return `${bin}:${process.env.PATH}`;
  }

  test("32-bit ARM and unknown machines are told plainly that there is no build for them", async () => {
    h.gh.publishDir(h.r.v1, "1.0.0");
    for (const machine of ["armv7l", "armv6l"]) {
      const run = await h.installer(["--prefix", h.scratch(), ...h.common()], { path: pretend("Linux", machine) });
      expect(run).toMatchObject({ code: 1, err: expect.stringContaining("32-bit ARM is not supported") });
    }
    const odd = await h.installer(["--prefix", h.scratch(), ...h.common()], { path: pretend("Linux", "riscv64") });
    expect(odd.err).toContain("unsupported architecture riscv64");
    const bsd = await h.installer(["--prefix", h.scratch(), ...h.common()], { path: pretend("FreeBSD", "amd64") });
    expect(bsd.err).toContain("unsupported system FreeBSD");
  });

  test("on macOS it installs under /usr/local with launchd jobs for the agent and its daily update", async () => {
    // The darwin_arm64 archive of this fake release holds this machine's executable, so that its test run passes here.
    const rel = h.gh.publishDir(h.r.v1, "1.0.0");
    const darwin = "netronome_1.0.0_darwin_arm64.tar.gz";
    rel.assets.set(darwin, rel.assets.get(`netronome_1.0.0_${h.r.platform}.tar.gz`)!);
    const sums = `${new Bun.CryptoHasher("sha256").update(rel.assets.get(darwin)!).digest("hex")}  ${darwin}\n`;
    rel.assets.set("netronome_1.0.0_checksums.txt", new TextEncoder().encode(sums));
    rel.assets.set(
      "netronome_1.0.0_checksums.txt.sig",
      new Uint8Array(sign(null, new TextEncoder().encode(sums), createPrivateKey(readFileSync(h.r.keyFile)))),
    );
    const root = h.scratch();
    const run = await h.installer(["--prefix", root, ...h.common(), "--port", "9200"], {
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
    expect((await h.installer(["--prefix", root, "--uninstall"], { path: pretend("Darwin", "arm64") })).code).toBe(0);
    expect(readdirSync(root)).toEqual([]);
  }, 120_000);

  describeIf(hasCommand("script"), "h.script (util-linux) is not installed", "through a terminal", () => {
    test("asks for each setting through /dev/tty and uses the answers", async () => {
      h.gh.publishDir(h.r.v1, "1.0.0");
      const root = h.scratch();
      const answers = "eth0\nmy-key\n127.0.0.1\n9300\n/mnt/x\n/boot\nfalse\n";
      const proc = Bun.spawn(
        ["script", "-qec", `bash ${h.script} --prefix ${root} --api-url ${h.gh.url}`, "/dev/null"],
        {
          stdin: new TextEncoder().encode(answers),
          stdout: "pipe",
          stderr: "pipe",
          env: { PATH: process.env.PATH ?? "", HOME: tmpdir(), TERM: "dumb" },
        },
      );
      const out = await new Response(proc.stdout).text();
      expect(await proc.exited).toBe(0);
      expect(out).toContain("Port [8200]:");
      expect(out).toContain(
        "Interface to report (empty: the default route's for live rates, every interface for history) []:",
      );
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
      h.gh.publishDir(h.r.v1, "1.0.0");
      const root = h.scratch();
      expect((await h.installer(["--prefix", root, ...h.common()])).code).toBe(0);
      // Verified where the executable really is: the units name /opt/netronome, which is in the scratch root.
      const units = h.scratch();
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
