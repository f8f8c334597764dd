/** The shell scripts: shellcheck-clean, and release.sh's choices of platforms and runtimes. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeIf, hasCommand } from "../helpers/env";

const ROOT = join(import.meta.dir, "../..");
const scratch = mkdtempSync(join(tmpdir(), "netronome-scripts-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function sh(argv: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync(argv, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describeIf(hasCommand("shellcheck"), "shellcheck is not installed (apt install shellcheck)", "shellcheck", () => {
  test("every shell script is clean", () => {
    const scripts = [
      ...readdirSync(join(ROOT, "scripts"))
        .filter((f) => f.endsWith(".sh"))
        .map((f) => `scripts/${f}`),
      ".ci/run",
    ];
    expect(scripts).toContain("scripts/install-agent.sh");
    expect(scripts).toContain("scripts/release.sh");
    const result = sh(["shellcheck", "-x", ...scripts]);
    expect(result.out + result.err).toBe("");
    expect(result.code).toBe(0);
  }, 60_000);
});

describe("scripts/platform.sh", () => {
  test("names every release platform after the original's os_arch and maps it to a Bun target", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash array expansion
    const each = 'for p in "${RELEASE_PLATFORMS[@]}"; do';
    const line = 'echo "$p $(bun_target_of "$p") $(platform_of_target "$(bun_target_of "$p")")"';
    const run = sh(["bash", "-c", `source scripts/platform.sh; ${each} ${line}; done`]);
    expect(run.out.trim().split("\n")).toEqual([
      "linux_x86_64 bun-linux-x64-baseline linux_x86_64",
      "linux_arm64 bun-linux-arm64 linux_arm64",
      "linux-musl_x86_64 bun-linux-x64-musl-baseline linux-musl_x86_64",
      "linux-musl_arm64 bun-linux-arm64-musl linux-musl_arm64",
      "darwin_x86_64 bun-darwin-x64-baseline darwin_x86_64",
      "darwin_arm64 bun-darwin-arm64 darwin_arm64",
    ]);
    expect(sh(["bash", "-c", "source scripts/platform.sh; host_platform"]).out.trim()).toMatch(
      /^(linux|linux-musl|darwin)_(x86_64|arm64)$/,
    );
  });
});

describe("scripts/release.sh", () => {
  test("offline, a platform whose Bun runtime is not cached is skipped with a message naming it", () => {
    const cache = join(scratch, "empty-cache");
    const out = join(scratch, "offline");
    const run = sh(["bash", "scripts/release.sh", "--offline", "--platform", "linux_arm64", "--out", out], {
      BUN_INSTALL_CACHE_DIR: cache,
      NETRONOME_SIGNING_KEY: "",
      NETRONOME_SIGNING_KEY_FILE: "",
    });
    expect(run.err).toContain(
      `release: skipped linux_arm64: Bun's bun-linux-arm64 runtime is not in ${cache} (--offline)`,
    );
    expect(run.err).toContain("release: no platform could be built");
    expect(run.code).toBe(1);
  });

  test("refuses unknown options, platforms and versions before building anything", () => {
    expect(sh(["bash", "scripts/release.sh", "--platform", "linux_armv7"]).err).toContain(
      "unknown platform linux_armv7",
    );
    expect(sh(["bash", "scripts/release.sh", "--version", "1.0"]).err).toContain('version "1.0" is not x.y.z[-pre]');
    expect(sh(["bash", "scripts/release.sh", "--local", "--platform", "linux_arm64"]).err).toContain(
      "--local builds this machine's platform only",
    );
    expect(sh(["bash", "scripts/release.sh", "--fast"]).err).toContain("unknown option --fast");
    expect(sh(["bash", "scripts/release.sh", "--help"]).out).toContain("--offline");
  });

  test("refuses to sign with a key other than the committed public key", () => {
    const key = join(scratch, "signing.pem");
    expect(sh(["bun", "scripts/release-sign.ts", "generate", key]).code).toBe(0);
    expect(sh(["bun", "scripts/release-sign.ts", "generate", join(scratch, "other.pem")]).code).toBe(0);
    const run = sh(["bash", "scripts/release.sh", "--local", "--out", join(scratch, "pinned")], {
      NETRONOME_SIGNING_KEY_FILE: key,
      NETRONOME_SIGNING_KEY: "",
      NETRONOME_RELEASE_KEY_PUB: join(scratch, "other.pem.pub"),
    });
    expect(run).toMatchObject({ code: 1, err: expect.stringContaining("the signing key does not match") });
  });

  test("build.sh refuses values that would break out of the stamped string literals", () => {
    const run = sh(["bash", "scripts/build.sh", join(scratch, "never")], { NETRONOME_REPOSITORY: 'a/b"; evil()' });
    expect(run).toMatchObject({ code: 2, err: "build.sh: NETRONOME_REPOSITORY must be owner/name\n" });
  });
});

describe("CI workflows", () => {
  const workflow = (name: string) =>
    Bun.YAML.parse(readFileSync(join(ROOT, ".github/workflows", name), "utf8")) as Record<string, unknown>;

  test("a version tag builds every platform strictly, signed, and publishes the release", () => {
    const release = workflow("release.yml");
    expect(release.on).toEqual({ push: { tags: ["v*.*.*"] } });
    const text = JSON.stringify(release);
    expect(text).toContain("bash scripts/release.sh --strict --out dist/release");
    expect(text).toContain("secrets.NETRONOME_SIGNING_KEY");
    expect(text).toContain("gh release create");
  });

  test("every push runs .ci/run, which runs the whole suite", () => {
    expect(JSON.stringify(workflow("ci.yml"))).toContain('"run":".ci/run"');
  });
});

test("install-agent.sh runs on macOS's bash 3.2: no bash 4 features", () => {
  const script = readFileSync(join(ROOT, "scripts/install-agent.sh"), "utf8");
  const bash4 = [
    /declare -[Aln]|local -n/, // associative arrays, namerefs
    /\$\{\w+(,,|\^\^|@[QEPAa])\}/, // case conversion, transformations
    /\b(mapfile|readarray|coproc)\b/,
    /\|&|&>>|;;&/,
  ];
  for (const construct of bash4) expect(script).not.toMatch(construct);
});

test("install-agent.sh --help describes the interface default as the agent applies it", () => {
  // Defect: it said "default: all", but without an interface the agent reports the default route's live rates.
  const help = Bun.spawnSync(["bash", join(ROOT, "scripts/install-agent.sh"), "--help"]).stdout.toString();
  const line = help.split("\n").find((l) => l.trimStart().startsWith("--interface"));
  expect(line).toContain("default: the default route's for live rates, every interface for history");
  expect(help).not.toContain("default: all");
});
