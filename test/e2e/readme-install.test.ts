/**
 * The README's install instructions, run as written against a fake GitHub on loopback: only the GitHub addresses, the
 * install folder and `sudo` are substituted.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeIf, hasCommand } from "../helpers/env";
import { REPOSITORY, type TestReleases, testReleases } from "../helpers/releases";
import { type FakeGitHub, startFakeGitHub } from "../servers/github-releases-server";

const README = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");
let r: TestReleases;
let gh: FakeGitHub;
const dir = mkdtempSync(join(tmpdir(), "netronome-readme-"));

beforeAll(async () => {
  r = await testReleases();
  gh = startFakeGitHub(REPOSITORY);
  gh.publishDir(r.v1, "1.0.0");
}, 600_000);
afterAll(() => {
  gh?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The code blocks of a README section, in order. */
function blocks(heading: string, lang: string): string[] {
  const start = README.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`README has no "${heading}"`);
  const end = README.indexOf("\n#", start + heading.length + 2);
  const section = README.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1]!);
}

test("Release archive with systemd: download, verify the signature and the checksum, unpack, run", async () => {
  const [download] = blocks("### Release archive with systemd (Linux)", "bash");
  const bin = join(dir, "bin");
  const pub = join(dir, "release-key.pub");
  writeFileSync(pub, `-----BEGIN PUBLIC KEY-----\n${r.publicKey}\n-----END PUBLIC KEY-----\n`);
  const script = download!
    .replace("REPO=<owner>/<name>", `REPO=${REPOSITORY}`)
    .replace("PLATFORM=linux_x86_64", `PLATFORM=${r.platform}`)
    .replace("https://api.github.com", gh.url)
    .replace('"https://github.com/', `"${gh.url}/`)
    .replace("https://raw.githubusercontent.com/$REPO/main/release-key.pub", `file://${pub}`)
    .replaceAll("/usr/local/bin", bin)
    .replaceAll("sudo ", "")
    .replace(/^netronome version$/m, `mkdir -p ${bin} && ${bin}/netronome version`);
  expect(script).not.toMatch(/github\.com|githubusercontent/);
  // The unpack line runs before the folder exists in a scratch root: create it first, as /usr/local/bin exists.
  const proc = Bun.spawn(["bash", "-euo", "pipefail", "-c", `mkdir -p ${bin}\n${script}`], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", HOME: dir },
  });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  expect(err).toBe("");
  expect(await proc.exited).toBe(0);
  expect(out).toContain("Signature Verified Successfully");
  expect(out).toContain(`netronome_1.0.0_${r.platform}.tar.gz: OK`);
  expect(out).toContain("netronome 1.0.0\ncommit:");
}, 120_000);

describeIf(hasCommand("systemd-analyze"), "systemd-analyze is not installed", "the README's unit", () => {
  test("netronome@.service is a valid unit", () => {
    const [unit] = blocks("### Release archive with systemd (Linux)", "ini");
    const units = mkdtempSync(join(dir, "units-"));
    // Verified for root (whose home is /root), with the executable where the test unpacked it.
    writeFileSync(
      join(units, "netronome@.service"),
      unit!.replace("/usr/local/bin/netronome", "/bin/true").replaceAll("/home/%i", "%h"),
    );
    const verify = Bun.spawnSync(["systemd-analyze", "verify", join(units, "netronome@root.service")], {
      env: { ...process.env, SYSTEMD_LOG_TARGET: "console", SYSTEMD_LOG_LEVEL: "info" },
    });
    expect(verify.stderr.toString() + verify.stdout.toString()).toBe("");
    expect(verify.exitCode).toBe(0);
  });
});

test("the agent installer's documented options are the ones it has", () => {
  const help = Bun.spawnSync(["bash", "scripts/install-agent.sh", "--help"], {
    cwd: join(import.meta.dir, "../.."),
  }).stdout.toString();
  const documented = README.slice(README.indexOf("\n## Agents\n"), README.indexOf("\n### Automatic updates\n"));
  for (const option of documented.matchAll(/`(--[a-z-]+)/g)) expect(help).toContain(option[1]!);
  for (const option of help.matchAll(/^ {2}(--[a-z-]+)/gm)) expect(documented).toContain(`\`${option[1]}`);
});

test("Release archive with launchd: the plist the README writes is well-formed and runs serve", () => {
  const [steps] = blocks("### Release archive with launchd (macOS)", "bash");
  const heredoc = /^cat > ~\/Library\/LaunchAgents\/com\.netronome\.server\.plist <<PLIST\n[\s\S]*?\nPLIST$/m.exec(
    steps!,
  );
  expect(heredoc).not.toBeNull();
  const home = mkdtempSync(join(dir, "home-"));
  const run = Bun.spawnSync(["bash", "-euc", `mkdir -p ~/Library/LaunchAgents\n${heredoc![0]}`], {
    env: { PATH: process.env.PATH ?? "", HOME: home },
  });
  expect(run.exitCode).toBe(0);
  const plist = readFileSync(join(home, "Library/LaunchAgents/com.netronome.server.plist"), "utf8");
  expect(plist).toContain("<array><string>/usr/local/bin/netronome</string><string>serve</string></array>");
  expect(plist).toContain(`<string>${home}/Library/Logs/netronome.log</string>`);
  const stack: string[] = [];
  for (const [, close, name, selfClosing] of plist.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (close) expect(stack.pop()).toBe(name);
    else stack.push(name!);
  }
  expect(stack).toEqual([]);
});
