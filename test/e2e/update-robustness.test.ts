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

  test("a hostile release server: a downgrade as the latest, an old release renamed newer, endless answers", async () => {
    const { dir, exe } = h.fresh();
    const v1 = sha(exe);
    // An older, genuinely signed release offered as the latest is no update.
    h.gh.publishDir(h.r.v1, "1.0.0");
    h.publish();
    expect((await h.netronome(exe, ["update"])).code).toBe(0);
    h.gh.publishDir(h.r.v1, "1.0.0");
    const down = await h.netronome(exe, ["update"]);
    expect(down.code).toBe(0);
    expect(down.out).toContain("netronome 1.1.0 is up to date (latest release in acme/netronome: 1.0.0)");
    expect(await h.versionOf(exe)).toBe("netronome 1.1.0");
    expect(sha(join(dir, "netronome.previous"))).toBe(v1);

    // 1.1.0's signed files under 9.9.9's names: the signed checksums name 1.1.0's archive, not this one.
    const real = h.gh.release("v1.1.0");
    h.gh.publish({
      tag: "v9.9.9",
      assets: new Map([...real.assets].map(([name, body]) => [name.replace("_1.1.0_", "_9.9.9_"), body])),
    });
    const renamed = await h.netronome(exe, ["update"]);
    expect(renamed.code).toBe(1);
    expect(renamed.err).toContain(`has no checksum for netronome_9.9.9_${h.r.platform}.tar.gz; refusing it`);
    expect(await h.versionOf(exe)).toBe("netronome 1.1.0");

    // An API that never stops talking, and one that answers a wall of JSON: refused at the size limit.
    const endless = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) =>
        new URL(req.url).pathname.includes("wall")
          ? new Response(
              `{"tag_name":"v9.9.9","assets":[${'{"name":"x","browser_download_url":"https://x"},'.repeat(60_000)}{}]}`,
            )
          : new Response(
              new ReadableStream({
                pull: (c) => c.enqueue(new Uint8Array(64 * 1024).fill(0x20)),
              }),
            ),
    });
    try {
      for (const path of ["", "/wall"]) {
        const started = Date.now();
        const run = await h.netronome(exe, ["update"], {
          NETRONOME__UPDATE_API_URL: `http://127.0.0.1:${endless.port}${path}`,
        });
        expect(run.code).toBe(1);
        expect(run.err).toMatch(
          /the releases API is (larger than the 2097152 bytes|\d+ bytes, more than the 2097152) allowed/,
        );
        expect(Date.now() - started).toBeLessThan(15_000);
      }
    } finally {
      endless.stop(true);
    }
    expect(await h.versionOf(exe)).toBe("netronome 1.1.0");
    expect(leftovers(dir)).toEqual([]);
  }, 120_000);

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

  test("in a container, the user is told to rebuild with compose or pull the published image, not to pull a local build", async () => {
    h.publish();
    const { dir, exe } = h.fresh();
    chmodSync(dir, 0o755);
    const run = await h.netronome(
      "/usr/bin/setpriv",
      ["--reuid=nobody", "--regid=nogroup", "--clear-groups", exe, "update"],
      { container: "docker" },
    );
    expect(run.code).toBe(1);
    expect(run.err).toContain(`${dir} is not writable by this user: in a container`);
    expect(run.err).toContain("git pull && docker compose up -d --build");
    expect(run.err).toContain("docker pull ghcr.io/acme/netronome"); // the owner of the repository it was built from
    expect(run.err).not.toContain("docker compose pull");
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
