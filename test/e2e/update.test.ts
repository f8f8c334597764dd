/**
 * `netronome update` of the compiled executable against a fake GitHub on loopback serving real releases
 * (scripts/release.sh builds of 1.0.0 and 1.1.0, signed with a test key built into both).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createPrivateKey, sign } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installV1, REPOSITORY, type TestReleases, testReleases } from "../helpers/releases";
import { type FakeGitHub, type FakeRelease, startFakeGitHub } from "../servers/github-releases-server";

let r: TestReleases;
let gh: FakeGitHub;
const dirs: string[] = [];

beforeAll(async () => {
  r = await testReleases();
}, 600_000);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fresh(): { dir: string; exe: string } {
  const installed = installV1(r);
  dirs.push(installed.dir);
  return installed;
}

interface Run {
  code: number;
  out: string;
  err: string;
}

async function netronome(exe: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const proc = Bun.spawn([exe, ...args], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? "", HOME: join(exe, "..", "home"), NETRONOME__UPDATE_API_URL: gh.url, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out, err };
}

const sha = (file: string) => new Bun.CryptoHasher("sha256").update(readFileSync(file)).digest("hex");
const versionOf = async (exe: string) => (await netronome(exe, ["version"])).out.split("\n")[0];
/** Nothing but the executable (and, after an update, its previous version) may remain beside it. */
const leftovers = (dir: string) =>
  readdirSync(dir).filter((f) => !["netronome", "netronome.previous", "home"].includes(f));

function publish(mutate?: (release: FakeRelease) => void): FakeRelease {
  const release = gh.publishDir(r.v2, "1.1.0");
  mutate?.(release);
  return release;
}

const archive = () => `netronome_1.1.0_${r.platform}.tar.gz`;
const sums = "netronome_1.1.0_checksums.txt";

describe("netronome update", () => {
  beforeAll(() => {
    gh = startFakeGitHub(REPOSITORY);
  });
  afterAll(() => gh.stop());
  afterEach(() => {
    gh.override = undefined;
  });

  test("version names the release platform, the repository and the signing key", async () => {
    const { exe } = fresh();
    const { out } = await netronome(exe, ["version"]);
    expect(out).toMatch(/^netronome 1\.0\.0\ncommit: +[0-9a-f]{12}\n/);
    expect(out).toContain(`release:  ${r.platform} from ${REPOSITORY}, signed updates (key `);
  });

  test("--check reports the newer release and changes nothing", async () => {
    publish();
    const { exe } = fresh();
    const before = sha(exe);
    const run = await netronome(exe, ["update", "--check"]);
    expect(run).toMatchObject({ code: 0 });
    expect(run.out).toContain("netronome 1.1.0 is available, published 2026-12-01 (this is 1.0.0)");
    expect(sha(exe)).toBe(before);
    expect(gh.requests.some((p) => p.includes("/files/"))).toBe(false);
  });

  test("moves 1.0.0 to 1.1.0, keeps 1.0.0 for --rollback, then says it is up to date", async () => {
    publish();
    const { dir, exe } = fresh();
    const v1 = sha(exe);
    const run = await netronome(exe, ["update"]);
    // Without a terminal, the progress line is printed once the download is complete.
    expect(run.err).toMatch(/^ {2}(\d+\.\d) \/ \1 MB 100 %\n$/);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`signature of ${sums} verified`);
    expect(run.out).toContain(`SHA-256 of ${archive()} verified`);
    expect(await versionOf(exe)).toBe("netronome 1.1.0");
    expect(sha(join(dir, "netronome.previous"))).toBe(v1);
    expect(leftovers(dir)).toEqual([]);

    const again = await netronome(exe, ["update"]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.out).toContain("netronome 1.1.0 is up to date");

    const back = await netronome(exe, ["update", "--rollback"]);
    expect(back.code).toBe(0);
    expect(back.out).toContain("is netronome 1.0.0 again");
    expect(sha(exe)).toBe(v1);
    expect(await versionOf(join(dir, "netronome.previous"))).toBe("netronome 1.1.0");
    // A second rollback returns to the newer one.
    expect((await netronome(exe, ["update", "--rollback"])).code).toBe(0);
    expect(await versionOf(exe)).toBe("netronome 1.1.0");
  }, 60_000);

  /** Each way a release can be wrong: refused with a clear message, the installed executable untouched. */
  async function refused(expected: RegExp): Promise<void> {
    const { dir, exe } = fresh();
    const before = sha(exe);
    const run = await netronome(exe, ["update"]);
    expect(run.err).toMatch(expected);
    expect(run.code).toBe(1);
    expect(sha(exe)).toBe(before);
    expect(leftovers(dir)).toEqual([]);
  }

  test("a tampered archive is refused", async () => {
    publish((rel) => {
      const bytes = new Uint8Array(rel.assets.get(archive())!);
      bytes[bytes.length >> 1]! ^= 0xff;
      rel.assets.set(archive(), bytes);
    });
    await refused(/SHA-256 [0-9a-f]{64} does not match the release's [0-9a-f]{64}; refusing it/);
  }, 60_000);

  test("a checksums file changed to match a tampered archive fails its signature", async () => {
    publish((rel) => {
      const bytes = new Uint8Array(rel.assets.get(archive())!);
      bytes[100]! ^= 0xff;
      rel.assets.set(archive(), bytes);
      const sum = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
      rel.assets.set(sums, new TextEncoder().encode(`${sum}  ${archive()}\n`));
    });
    await refused(/the signature of netronome_1\.1\.0_checksums\.txt does not match this build's key/);
  });

  test("a signature by another key is refused", async () => {
    publish((rel) => rel.assets.set(`${sums}.sig`, new Uint8Array(sign(null, rel.assets.get(sums)!, r.otherKey))));
    await refused(/does not match this build's key/);
  });

  test("a corrupted signature is refused", async () => {
    publish((rel) => rel.assets.set(`${sums}.sig`, new Uint8Array(64)));
    await refused(/does not match this build's key/);
  });

  test("an unsigned release is refused by a build that has a key", async () => {
    publish((rel) => rel.assets.delete(`${sums}.sig`));
    await refused(/release v1\.1\.0 is not signed, and this build only installs releases signed with its key/);
  });

  test("a release without a checksums file, or without this platform, is refused", async () => {
    publish((rel) => rel.assets.delete(sums));
    await refused(/has no netronome_1\.1\.0_checksums\.txt; refusing it/);
    publish((rel) => rel.assets.delete(archive()));
    await refused(new RegExp(`release v1\\.1\\.0 has no build for ${r.platform}`));
  });

  test("an archive that is not what the API announced is refused", async () => {
    publish();
    gh.override = (_tag, name, body) =>
      name === archive() ? new Response(new Uint8Array(body.subarray(0, body.length - 10))) : undefined;
    await refused(/received \d+ bytes, the release lists \d+; refusing it/);
  });

  test("a download cut off mid-way is refused", async () => {
    publish();
    // A server that announces the whole archive, sends half of it and closes the connection.
    const body = gh.release("v1.1.0").assets.get(archive())!;
    const cutter = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket) {
          socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
          socket.write(body.subarray(0, 1 << 20));
          setTimeout(() => socket.end(), 100);
        },
      },
    });
    gh.override = (_tag, name) =>
      name === archive()
        ? new Response(null, { status: 302, headers: { location: `http://127.0.0.1:${cutter.port}/cut` } })
        : undefined;
    try {
      await refused(
        /netronome_1\.1\.0_.*: (the connection closed after 1048576 of \d+ bytes|download failed: ECONNRESET)/,
      );
    } finally {
      cutter.stop(true);
    }
  });

  /** A release of 1.1.0 whose archive holds `script` as the executable, correctly summed and signed. */
  async function publishScript(script: string): Promise<void> {
    const bytes = await new Bun.Archive({ netronome: script }, { compress: "gzip" }).bytes();
    const sumsText = new TextEncoder().encode(
      `${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}  ${archive()}\n`,
    );
    const key = createPrivateKey(readFileSync(r.keyFile));
    publish((rel) => {
      rel.assets.set(archive(), bytes);
      rel.assets.set(sums, sumsText);
      rel.assets.set(`${sums}.sig`, new Uint8Array(sign(null, sumsText, key)));
    });
  }

  test("a signed release whose executable fails its test run is refused", async () => {
    await publishScript("#!/bin/sh\necho 'netronome 9.9.9'\n");
    await refused(/the new executable failed its test run \(expected "netronome 1\.1\.0" for linux\/x64; got exit 0/);
    await publishScript("#!/bin/sh\nprintf 'netronome 1.1.0\\nos/arch:  linux/arm64\\n'\n");
    await refused(/expected "netronome 1\.1\.0" for linux\/x64; got exit 0, "netronome 1\.1\.0", linux\/arm64/);
    await publishScript("#!/bin/sh\nexit 3\n");
    await refused(/failed its test run .*got exit 3/);
  });
});

describe("netronome update, robustness", () => {
  beforeAll(() => {
    gh = startFakeGitHub(REPOSITORY);
  });
  afterAll(() => gh.stop());
  afterEach(() => {
    gh.override = undefined;
  });

  test("two updates at once: one installs, the other stands aside; 1.0.0 stays the previous version", async () => {
    publish();
    const { dir, exe } = fresh();
    const v1 = sha(exe);
    const runs = await Promise.all([netronome(exe, ["update"]), netronome(exe, ["update"])]);
    expect(runs.filter((run) => run.out.includes(`updated ${exe} to 1.1.0`))).toHaveLength(1);
    const other = runs.find((run) => !run.out.includes(`updated ${exe}`))!;
    expect(other.err + other.out).toMatch(
      /another update of .* is running|was replaced while this update ran|up to date/,
    );
    expect(await versionOf(exe)).toBe("netronome 1.1.0");
    expect(sha(join(dir, "netronome.previous"))).toBe(v1);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  test("killed mid-download: the executable is untouched and the next update cleans up and succeeds", async () => {
    publish();
    const { dir, exe } = fresh();
    const before = sha(exe);
    gh.override = (_tag, name, body) =>
      name === archive()
        ? new Response(
            new ReadableStream({
              start(c) {
                c.enqueue(body.subarray(0, 1 << 20));
              },
            }),
          )
        : undefined;
    const proc = Bun.spawn([exe, "update"], {
      env: { PATH: process.env.PATH ?? "", HOME: dir, NETRONOME__UPDATE_API_URL: gh.url },
      stdout: "ignore",
      stderr: "ignore",
    });
    const deadline = Date.now() + 20_000;
    while (!readdirSync(dir).some((f) => f.endsWith(".tar.gz")) && Date.now() < deadline) await Bun.sleep(50);
    await Bun.sleep(200);
    proc.kill("SIGKILL");
    await proc.exited;
    expect(sha(exe)).toBe(before);
    expect(leftovers(dir).length).toBeGreaterThanOrEqual(2); // the partial download and the lock
    gh.override = undefined;
    const run = await netronome(exe, ["update"]);
    expect(run.code).toBe(0);
    expect(await versionOf(exe)).toBe("netronome 1.1.0");
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  test("--restart=<unit> restarts that unit with systemctl try-restart, and says so when that fails", async () => {
    publish();
    const { dir, exe } = fresh();
    const bin = join(dir, "fake-bin");
    mkdirSync(bin);
    const calls = join(dir, "systemctl.calls");
    writeFileSync(
      join(bin, "systemctl"),
      `#!/bin/sh\necho "$@" >> ${calls}\n[ "$3" = broken.service ] && { echo 'Unit broken.service failed' >&2; exit 1; }\nexit 0\n`,
      {
        mode: 0o755,
      },
    );
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const run = await netronome(exe, ["update", "--restart=netronome-agent.service"], env);
    expect(run.code).toBe(0);
    expect(run.out).toContain("restarted netronome-agent.service");
    expect(readFileSync(calls, "utf8")).toBe("try-restart -- netronome-agent.service\n");

    const back = await netronome(exe, ["update", "--rollback", "--restart=broken.service"], env);
    expect(back.code).toBe(1);
    expect(back.err).toContain(
      "restarting broken.service failed (systemctl try-restart -- broken.service: Unit broken.service failed)",
    );
    expect(await versionOf(exe)).toBe("netronome 1.0.0");

    const hostile = await netronome(exe, ["update", "--restart=--force"], env);
    expect(hostile).toMatchObject({ code: 1, err: 'netronome: --restart: "--force" is not a service name\n' });
  }, 60_000);

  test("API failures and refusals give one clear line and exit 1", async () => {
    const { exe } = fresh();
    gh.unpublish();
    expect(await netronome(exe, ["update"])).toMatchObject({
      code: 1,
      err: expect.stringContaining(`${REPOSITORY} has no published release`),
    });
    expect(await netronome(exe, ["update"], { NETRONOME__UPDATE_REPOSITORY: "someone/else" })).toMatchObject({
      code: 1,
      err: expect.stringContaining("someone/else has no published release"),
    });
    expect(await netronome(exe, ["update"], { NETRONOME__UPDATE_REPOSITORY: "../etc" })).toMatchObject({
      code: 1,
      err: 'netronome: environment variable NETRONOME__UPDATE_REPOSITORY: must be "owner/name"\n',
    });
    // Plain HTTP is refused before any connection is made (198.51.100.0/24 is a documentation range).
    expect(await netronome(exe, ["update"], { NETRONOME__UPDATE_API_URL: "http://198.51.100.7" })).toMatchObject({
      code: 1,
      err: "netronome: the releases API must use https (got http://198.51.100.7)\n",
    });
    publish();
    gh.override = (_tag, name) =>
      name === sums ? new Response("rate limited", { status: 403, statusText: "Forbidden" }) : undefined;
    expect(await netronome(exe, ["update"])).toMatchObject({
      code: 1,
      err: `netronome: ${sums}: the server answered 403 Forbidden\n`,
    });
    expect(await netronome(exe, ["update", "--check", "--rollback"])).toMatchObject({ code: 1 });
    expect(await netronome(exe, ["update", "extra"])).toMatchObject({ code: 2 });
    expect(await netronome(exe, ["update", "--check=yes"])).toMatchObject({ code: 2 });
  }, 60_000);

  test("--rollback without a previous version says so", async () => {
    const { exe } = fresh();
    expect(await netronome(exe, ["update", "--rollback"])).toMatchObject({
      code: 1,
      err: `netronome: no previous version is kept (${exe}.previous does not exist)\n`,
    });
  });

  test("a user who cannot write the executable's folder is told to run it as root", async () => {
    publish();
    const { dir, exe } = fresh();
    chmodSync(dir, 0o755);
    const run = await netronome("/usr/bin/setpriv", [
      "--reuid=nobody",
      "--regid=nogroup",
      "--clear-groups",
      exe,
      "update",
    ]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`${dir} is not writable by this user`);
  }, 60_000);

  test("from source, update refuses to replace the Bun runtime", async () => {
    const proc = Bun.spawnSync([process.execPath, join(import.meta.dir, "../../src/main.ts"), "update"], {
      env: { PATH: process.env.PATH ?? "", HOME: tmpdir() },
    });
    expect(proc.exitCode).toBe(1);
    expect(proc.stderr.toString()).toContain("this is running from source");
  });
});

describe("netronome update, a build without a signing key or repository", () => {
  let unsigned: string;
  beforeAll(async () => {
    gh = startFakeGitHub(REPOSITORY);
    const dir = mkdtempSync(join(tmpdir(), "netronome-unsigned-"));
    dirs.push(dir);
    unsigned = join(dir, "netronome");
    const env = { ...process.env, NETRONOME_VERSION: "1.0.0", NETRONOME_REPOSITORY: "", NETRONOME_UPDATE_KEY: "" };
    const build = Bun.spawnSync(["bash", "scripts/build.sh", unsigned], { cwd: join(import.meta.dir, "../.."), env });
    if (build.exitCode !== 0) throw new Error(build.stderr.toString());
  }, 120_000);
  afterAll(() => gh.stop());

  test("needs a repository, then checks the SHA-256 only and says so", async () => {
    publish((rel) => rel.assets.delete(`${sums}.sig`));
    expect(await netronome(unsigned, ["update"])).toMatchObject({
      code: 1,
      err: "netronome: no repository to update from: set [update] repository (NETRONOME__UPDATE_REPOSITORY) to owner/name\n",
    });
    const run = await netronome(unsigned, ["update"], { NETRONOME__UPDATE_REPOSITORY: REPOSITORY });
    expect(run.code).toBe(0);
    expect(run.out).toContain("warning: this build has no release-signing key; only the SHA-256 checksum is verified");
    expect(await versionOf(unsigned)).toBe("netronome 1.1.0");
  }, 60_000);
});
