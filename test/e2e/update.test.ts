/**
 * `netronome update` of the compiled executable against a fake GitHub on loopback serving real releases
 * (scripts/release.sh builds of 1.0.0 and 1.1.0, signed with a test key built into both): the update itself, and every
 * way a release can be wrong.
 */
import { describe, expect, test } from "bun:test";
import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPOSITORY } from "../helpers/releases";
import { leftovers, sha, updateHarness } from "../helpers/update-harness";

const h = updateHarness();

describe("netronome update", () => {
  test("version names the release platform, the repository and the signing key", async () => {
    const { exe } = h.fresh();
    const { out } = await h.netronome(exe, ["version"]);
    expect(out).toMatch(/^netronome 1\.0\.0\ncommit: +[0-9a-f]{12}\n/);
    expect(out).toContain(`release:  ${h.r.platform} from ${REPOSITORY}, signed updates (key `);
  });

  test("--check reports the newer release and changes nothing", async () => {
    h.publish();
    const { exe } = h.fresh();
    const before = sha(exe);
    const run = await h.netronome(exe, ["update", "--check"]);
    expect(run).toMatchObject({ code: 0 });
    expect(run.out).toContain("netronome 1.1.0 is available, published 2026-12-01 (this is 1.0.0)");
    expect(sha(exe)).toBe(before);
    expect(h.gh.requests.some((p) => p.includes("/files/"))).toBe(false);
  });

  test("moves 1.0.0 to 1.1.0, keeps 1.0.0 for --rollback, then says it is up to date", async () => {
    h.publish();
    const { dir, exe } = h.fresh();
    const v1 = sha(exe);
    const run = await h.netronome(exe, ["update"]);
    // Without a terminal, the progress line is printed once the download is complete.
    expect(run.err).toMatch(/^ {2}(\d+\.\d) \/ \1 MB 100 %\n$/);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`signature of ${h.sums} verified`);
    expect(run.out).toContain(`SHA-256 of ${h.archive()} verified`);
    expect(await h.versionOf(exe)).toBe("netronome 1.1.0");
    expect(sha(join(dir, "netronome.previous"))).toBe(v1);
    expect(leftovers(dir)).toEqual([]);

    const again = await h.netronome(exe, ["update"]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.out).toContain("netronome 1.1.0 is up to date");

    const back = await h.netronome(exe, ["update", "--rollback"]);
    expect(back.code).toBe(0);
    expect(back.out).toContain("is netronome 1.0.0 again");
    expect(sha(exe)).toBe(v1);
    expect(await h.versionOf(join(dir, "netronome.previous"))).toBe("netronome 1.1.0");
    // A second rollback returns to the newer one.
    expect((await h.netronome(exe, ["update", "--rollback"])).code).toBe(0);
    expect(await h.versionOf(exe)).toBe("netronome 1.1.0");
  }, 60_000);

  /** Each way a release can be wrong: refused with a clear message, the installed executable untouched. */
  async function refused(expected: RegExp): Promise<void> {
    const { dir, exe } = h.fresh();
    const before = sha(exe);
    const run = await h.netronome(exe, ["update"]);
    expect(run.err).toMatch(expected);
    expect(run.code).toBe(1);
    expect(sha(exe)).toBe(before);
    expect(leftovers(dir)).toEqual([]);
  }

  test("a tampered archive is refused", async () => {
    h.publish((rel) => {
      const bytes = new Uint8Array(rel.assets.get(h.archive())!);
      bytes[bytes.length >> 1]! ^= 0xff;
      rel.assets.set(h.archive(), bytes);
    });
    await refused(/SHA-256 [0-9a-f]{64} does not match the release's [0-9a-f]{64}; refusing it/);
  }, 60_000);

  test("a checksums file changed to match a tampered archive fails its signature", async () => {
    h.publish((rel) => {
      const bytes = new Uint8Array(rel.assets.get(h.archive())!);
      bytes[100]! ^= 0xff;
      rel.assets.set(h.archive(), bytes);
      const sum = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
      rel.assets.set(h.sums, new TextEncoder().encode(`${sum}  ${h.archive()}\n`));
    });
    await refused(/the signature of netronome_1\.1\.0_checksums\.txt does not match this build's key/);
  });

  test("a signature by another key is refused", async () => {
    h.publish((rel) =>
      rel.assets.set(`${h.sums}.sig`, new Uint8Array(sign(null, rel.assets.get(h.sums)!, h.r.otherKey))),
    );
    await refused(/does not match this build's key/);
  });

  test("a corrupted signature is refused", async () => {
    h.publish((rel) => rel.assets.set(`${h.sums}.sig`, new Uint8Array(64)));
    await refused(/does not match this build's key/);
  });

  test("an unsigned release is refused by a build that has a key", async () => {
    h.publish((rel) => rel.assets.delete(`${h.sums}.sig`));
    await refused(/release v1\.1\.0 is not signed, and this build only installs releases signed with its key/);
  });

  test("a release without a checksums file, or without this platform, is refused", async () => {
    h.publish((rel) => rel.assets.delete(h.sums));
    await refused(/has no netronome_1\.1\.0_checksums\.txt; refusing it/);
    h.publish((rel) => rel.assets.delete(h.archive()));
    await refused(new RegExp(`release v1\\.1\\.0 has no build for ${h.r.platform}`));
  });

  test("an archive that is not what the API announced is refused", async () => {
    h.publish();
    h.gh.override = (_tag, name, body) =>
      name === h.archive() ? new Response(new Uint8Array(body.subarray(0, body.length - 10))) : undefined;
    await refused(/received \d+ bytes, the release lists \d+; refusing it/);
  });

  test("a download cut off mid-way is refused", async () => {
    h.publish();
    // A server that announces the whole archive, sends half of it and closes the connection.
    const body = h.gh.release("v1.1.0").assets.get(h.archive())!;
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
    h.gh.override = (_tag, name) =>
      name === h.archive()
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
      `${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}  ${h.archive()}\n`,
    );
    const key = createPrivateKey(readFileSync(h.r.keyFile));
    h.publish((rel) => {
      rel.assets.set(h.archive(), bytes);
      rel.assets.set(h.sums, sumsText);
      rel.assets.set(`${h.sums}.sig`, new Uint8Array(sign(null, sumsText, key)));
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
