/**
 * Shared set-up of the agent installer tests: the test releases, a fake GitHub, scratch roots, and a way to run the
 * installer attached to the 1.0.0 release. Call once at the top of a test file; it registers its own hooks.
 */
import { afterAll, afterEach, beforeAll } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type FakeGitHub, startFakeGitHub } from "../servers/github-releases-server";
import { REPOSITORY, type TestReleases, testReleases } from "./releases";

export interface Run {
  code: number;
  out: string;
  err: string;
}

export interface InstallerHarness {
  r: TestReleases;
  gh: FakeGitHub;
  /** The install-agent.sh attached to the 1.0.0 release (repository and key filled in). */
  script: string;
  /** A new empty folder, removed after the file's tests. */
  scratch(): string;
  /** Runs the installer without a terminal (setsid: no /dev/tty), as a file or piped into bash. */
  installer(args: string[], opts?: { piped?: boolean; path?: string; file?: string; tmp?: string }): Promise<Run>;
  /** The flags every non-interactive run passes: the fake GitHub, --yes. */
  common(): string[];
}

export const UNIT_DIR = "etc/systemd/system";
export const read = (root: string, path: string) => readFileSync(join(root, path), "utf8");
export const versionIn = (root: string) =>
  Bun.spawnSync([join(root, "opt/netronome/netronome"), "version"])
    .stdout.toString()
    .split("\n")[0];

/** Every file and folder under root with its mode, owner and SHA-256, for before/after comparisons. */
export function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = statSync(path);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[`${relative(root, path)}/`] = mode;
        walk(path);
      } else {
        const sum = new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex").slice(0, 12);
        out[relative(root, path)] = `${mode} ${st.uid} ${sum}`;
      }
    }
  };
  walk(root);
  return out;
}

export function installerHarness(): InstallerHarness {
  const roots: string[] = [];
  const h = {
    scratch() {
      const root = mkdtempSync(join(tmpdir(), "netronome-root-"));
      roots.push(root);
      return root;
    },
    async installer(
      args: string[],
      opts: { piped?: boolean; path?: string; file?: string; tmp?: string } = {},
    ): Promise<Run> {
      const file = opts.file ?? h.script;
      const argv = opts.piped ? ["setsid", "-w", "bash", "-s", "--", ...args] : ["setsid", "-w", "bash", file, ...args];
      const proc = Bun.spawn(argv, {
        stdin: opts.piped ? Bun.file(file) : "ignore",
        stdout: "pipe",
        stderr: "pipe",
        env: { PATH: opts.path ?? process.env.PATH ?? "", HOME: tmpdir(), ...(opts.tmp ? { TMPDIR: opts.tmp } : {}) },
      });
      const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
      return { code: await proc.exited, out, err };
    },
    common: () => ["--api-url", h.gh.url, "--yes"],
  } as InstallerHarness;
  beforeAll(async () => {
    h.r = await testReleases();
    h.gh = startFakeGitHub(REPOSITORY);
    h.script = join(h.r.v1, "install-agent.sh");
  }, 600_000);
  afterEach(() => {
    h.gh.override = undefined;
  });
  afterAll(() => {
    h.gh?.stop();
    for (const d of roots) rmSync(d, { recursive: true, force: true });
  });
  return h;
}
