/**
 * `netronome update` under stress and misuse: concurrent updates, kill -9 mid-download, restarts, API failures,
 * missing permissions, and builds without a key or repository.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPOSITORY } from "../helpers/releases";
import { leftovers, sha, updateHarness } from "../helpers/update-harness";

const h = updateHarness();

describe("netronome update, robustness", () => {
  test("two updates at once: one installs, the other stands aside; 1.0.0 stays the previous version", async () => {
    h.publish();
    const { dir, exe } = h.fresh();
    const v1 = sha(exe);
    const runs = await Promise.all([h.netronome(exe, ["update"]), h.netronome(exe, ["update"])]);
    expect(runs.filter((run) => run.out.includes(`updated ${exe} to 1.1.0`))).toHaveLength(1);
    const other = runs.find((run) => !run.out.includes(`updated ${exe}`))!;
    expect(other.err + other.out).toMatch(
      /another update of .* is running|was replaced while this update ran|up to date/,
    );
    expect(await h.versionOf(exe)).toBe("netronome 1.1.0");
    expect(sha(join(dir, "netronome.previous"))).toBe(v1);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  test("killed mid-download: the executable is untouched and the next update cleans up and succeeds", async () => {
    h.publish();
    const { dir, exe } = h.fresh();
    const before = sha(exe);
    h.gh.override = (_tag, name, body) =>
      name === h.archive()
        ? new Response(
            new ReadableStream({
              start(c) {
                c.enqueue(body.subarray(0, 1 << 20));
              },
            }),
          )
        : undefined;
    const proc = Bun.spawn([exe, "update"], {
      env: { PATH: process.env.PATH ?? "", HOME: dir, NETRONOME__UPDATE_API_URL: h.gh.url },
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
    h.gh.override = undefined;
    const run = await h.netronome(exe, ["update"]);
    expect(run.code).toBe(0);
    expect(await h.versionOf(exe)).toBe("netronome 1.1.0");
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  test("--restart=<unit> restarts that unit with systemctl try-restart, and says so when that fails", async () => {
    h.publish();
    const { dir, exe } = h.fresh();
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
    const run = await h.netronome(exe, ["update", "--restart=netronome-agent.service"], env);
    expect(run.code).toBe(0);
    expect(run.out).toContain("restarted netronome-agent.service");
    expect(readFileSync(calls, "utf8")).toBe("try-restart -- netronome-agent.service\n");

    const back = await h.netronome(exe, ["update", "--rollback", "--restart=broken.service"], env);
    expect(back.code).toBe(1);
    expect(back.err).toContain(
      "restarting broken.service failed (systemctl try-restart -- broken.service: Unit broken.service failed)",
    );
    expect(await h.versionOf(exe)).toBe("netronome 1.0.0");

    const hostile = await h.netronome(exe, ["update", "--restart=--force"], env);
    expect(hostile).toMatchObject({ code: 1, err: 'netronome: --restart: "--force" is not a service name\n' });
  }, 60_000);

  test("API failures and refusals give one clear line and exit 1", async () => {
    const { exe } = h.fresh();
    h.gh.unpublish();
    expect(await h.netronome(exe, ["update"])).toMatchObject({
      code: 1,
      err: expect.stringContaining(`${REPOSITORY} has no published release`),
    });
    expect(await h.netronome(exe, ["update"], { NETRONOME__UPDATE_REPOSITORY: "someone/else" })).toMatchObject({
      code: 1,
      err: expect.stringContaining("someone/else has no published release"),
    });
    expect(await h.netronome(exe, ["update"], { NETRONOME__UPDATE_REPOSITORY: "../etc" })).toMatchObject({
      code: 1,
      err: 'netronome: environment variable NETRONOME__UPDATE_REPOSITORY: must be "owner/name"\n',
    });
    // Plain HTTP is refused before any connection is made (198.51.100.0/24 is a documentation range).
    expect(await h.netronome(exe, ["update"], { NETRONOME__UPDATE_API_URL: "http://198.51.100.7" })).toMatchObject({
      code: 1,
      err: "netronome: the releases API must use https (got http://198.51.100.7)\n",
    });
    h.publish();
    h.gh.override = (_tag, name) =>
      name === h.sums ? new Response("rate limited", { status: 403, statusText: "Forbidden" }) : undefined;
    expect(await h.netronome(exe, ["update"])).toMatchObject({
      code: 1,
      err: `netronome: ${h.sums}: the server answered 403 Forbidden\n`,
    });
    expect(await h.netronome(exe, ["update", "--check", "--rollback"])).toMatchObject({ code: 1 });
    expect(await h.netronome(exe, ["update", "extra"])).toMatchObject({ code: 2 });
    expect(await h.netronome(exe, ["update", "--check=yes"])).toMatchObject({ code: 2 });
  }, 60_000);

  test("--rollback without a previous version says so", async () => {
    const { exe } = h.fresh();
    expect(await h.netronome(exe, ["update", "--rollback"])).toMatchObject({
      code: 1,
      err: `netronome: no previous version is kept (${exe}.previous does not exist)\n`,
    });
  });

  test("a user who cannot write the executable's folder is told to run it as root", async () => {
    h.publish();
    const { dir, exe } = h.fresh();
    chmodSync(dir, 0o755);
    const run = await h.netronome("/usr/bin/setpriv", [
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
  const dir = mkdtempSync(join(tmpdir(), "netronome-unsigned-"));
  const unsigned = join(dir, "netronome");
  beforeAll(() => {
    const env = { ...process.env, NETRONOME_VERSION: "1.0.0", NETRONOME_REPOSITORY: "", NETRONOME_UPDATE_KEY: "" };
    const build = Bun.spawnSync(["bash", "scripts/build.sh", unsigned], { cwd: join(import.meta.dir, "../.."), env });
    if (build.exitCode !== 0) throw new Error(build.stderr.toString());
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("needs a repository, then checks the SHA-256 only and says so", async () => {
    h.publish((rel) => rel.assets.delete(`${h.sums}.sig`));
    expect(await h.netronome(unsigned, ["update"])).toMatchObject({
      code: 1,
      err: "netronome: no repository to update from: set [update] repository (NETRONOME__UPDATE_REPOSITORY) to owner/name\n",
    });
    const run = await h.netronome(unsigned, ["update"], { NETRONOME__UPDATE_REPOSITORY: REPOSITORY });
    expect(run.code).toBe(0);
    expect(run.out).toContain("warning: this build has no release-signing key; only the SHA-256 checksum is verified");
    expect(await h.versionOf(unsigned)).toBe("netronome 1.1.0");
  }, 60_000);
});
