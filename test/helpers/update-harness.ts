/**
 * Shared set-up of the `netronome update` tests: the test releases, a fake GitHub serving them, fresh installs of the
 * 1.0.0 executable, and a way to run it. Call once at the top of a test file; it registers its own hooks.
 */
import { afterAll, afterEach, beforeAll } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeGitHub, type FakeRelease, startFakeGitHub } from "../servers/github-releases-server";
import { installV1, REPOSITORY, type TestReleases, testReleases } from "./releases";

export interface Run {
  code: number;
  out: string;
  err: string;
}

export interface UpdateHarness {
  r: TestReleases;
  gh: FakeGitHub;
  /** A fresh folder with `netronome` 1.0.0 in it. */
  fresh(): { dir: string; exe: string };
  /** Runs an executable with the fake GitHub as [update] api_url. */
  netronome(exe: string, args: string[], env?: Record<string, string>): Promise<Run>;
  versionOf(exe: string): Promise<string | undefined>;
  /** Makes 1.1.0 the latest release, optionally changed first. */
  publish(mutate?: (release: FakeRelease) => void): FakeRelease;
  archive(): string;
  sums: string;
}

export const sha = (file: string) => new Bun.CryptoHasher("sha256").update(readFileSync(file)).digest("hex");

/** Nothing but the executable (and, after an update, its previous version) may remain beside it. */
export const leftovers = (dir: string) =>
  readdirSync(dir).filter((f) => !["netronome", "netronome.previous", "home"].includes(f));

export function updateHarness(): UpdateHarness {
  const dirs: string[] = [];
  const h = {
    sums: "netronome_1.1.0_checksums.txt",
    archive: () => `netronome_1.1.0_${h.r.platform}.tar.gz`,
    fresh() {
      const installed = installV1(h.r);
      dirs.push(installed.dir);
      return installed;
    },
    async netronome(exe: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
      const proc = Bun.spawn([exe, ...args], {
        cwd: tmpdir(),
        env: {
          PATH: process.env.PATH ?? "",
          HOME: join(exe, "..", "home"),
          NETRONOME__UPDATE_API_URL: h.gh.url,
          ...env,
        },
        stdout: "pipe",
        stderr: "pipe",
      });
      const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
      return { code: await proc.exited, out, err };
    },
    versionOf: async (exe: string) => (await h.netronome(exe, ["version"])).out.split("\n")[0],
    publish(mutate?: (release: FakeRelease) => void) {
      const release = h.gh.publishDir(h.r.v2, "1.1.0");
      mutate?.(release);
      return release;
    },
  } as UpdateHarness;
  beforeAll(async () => {
    h.r = await testReleases();
    h.gh = startFakeGitHub(REPOSITORY);
  }, 600_000);
  afterEach(() => {
    h.gh.override = undefined;
  });
  afterAll(() => {
    h.gh?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return h;
}
