/** Swapping executables, the update lock and leftovers, on real files (plain scripts stand in for executables). */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  acquireLock,
  containerUpdateHint,
  matchPermissions,
  previousPath,
  removeStaleTemps,
  swapIn,
  swapWithPrevious,
  tempPath,
} from "../../../src/update/replace";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(): { dir: string; exe: string } {
  const dir = mkdtempSync(join(tmpdir(), "netronome-replace-"));
  dirs.push(dir);
  const exe = join(dir, "netronome");
  writeFileSync(exe, "old", { mode: 0o750 });
  return { dir, exe };
}

describe("swapIn and swapWithPrevious", () => {
  test("the new file takes the executable's place; the old one is kept; rollback swaps them back and forth", () => {
    const { dir, exe } = setup();
    const oldInode = statSync(exe).ino;
    const fresh = tempPath(exe, "new");
    writeFileSync(fresh, "new");
    matchPermissions(fresh, exe);
    expect(statSync(fresh).mode & 0o777).toBe(0o750);
    swapIn(fresh, exe);
    expect(readFileSync(exe, "utf8")).toBe("new");
    expect(readFileSync(previousPath(exe), "utf8")).toBe("old");
    // The old inode lives on as .previous: a running process keeps a valid executable.
    expect(statSync(previousPath(exe)).ino).toBe(oldInode);
    expect(readdirSync(dir).sort()).toEqual(["netronome", "netronome.previous"]);

    swapWithPrevious(exe);
    expect([readFileSync(exe, "utf8"), readFileSync(previousPath(exe), "utf8")]).toEqual(["old", "new"]);
    swapWithPrevious(exe);
    expect([readFileSync(exe, "utf8"), readFileSync(previousPath(exe), "utf8")]).toEqual(["new", "old"]);
    expect(readdirSync(dir).sort()).toEqual(["netronome", "netronome.previous"]);
  });

  test("a second update replaces the kept version with the one it replaces", () => {
    const { exe } = setup();
    for (const content of ["v2", "v3"]) {
      const fresh = tempPath(exe, "new");
      writeFileSync(fresh, content);
      swapIn(fresh, exe);
    }
    expect([readFileSync(exe, "utf8"), readFileSync(previousPath(exe), "utf8")]).toEqual(["v3", "v2"]);
  });

  test("rollback without a kept version is refused and changes nothing", () => {
    const { dir, exe } = setup();
    expect(() => swapWithPrevious(exe)).toThrow(/no previous version is kept/);
    expect(readdirSync(dir)).toEqual(["netronome"]);
  });
});

describe("the update lock", () => {
  test("one holder at a time; released, it can be taken again", () => {
    const { exe } = setup();
    const release = acquireLock(exe);
    writeFileSync(join(exe, "..", ".netronome.update.lock"), String(process.ppid));
    expect(() => acquireLock(exe)).toThrow(/another update of .* is running/);
    release();
    acquireLock(exe)();
  });

  test("a lock left by a process that is gone is taken over; a fresh empty one is respected", async () => {
    const { dir, exe } = setup();
    const dead = Bun.spawn(["true"]);
    await dead.exited;
    writeFileSync(join(dir, ".netronome.update.lock"), String(dead.pid));
    const release = acquireLock(exe);
    expect(readFileSync(join(dir, ".netronome.update.lock"), "utf8")).toBe(String(process.pid));
    release();
    writeFileSync(join(dir, ".netronome.update.lock"), "");
    expect(() => acquireLock(exe)).toThrow(/another update/);
  });
});

test("removeStaleTemps removes what dead updates left, and nothing else", async () => {
  const { dir, exe } = setup();
  const dead = Bun.spawn(["true"]);
  await dead.exited;
  const stale = [`.netronome.${dead.pid}-0123456789ab.tar.gz`, `.netronome.${dead.pid}-0123456789ab.new`];
  const kept = [`.netronome.${process.ppid}-0123456789ab.tar.gz`, ".netronome.1-zz.new", "netronome.previous", "notes"];
  for (const f of [...stale, ...kept]) writeFileSync(join(dir, f), "x");
  removeStaleTemps(exe);
  expect(readdirSync(dir).sort()).toEqual([...kept, "netronome"].sort());
  for (const f of stale) expect(existsSync(join(dir, f))).toBe(false);
});

describe("the hint for an update inside a container", () => {
  const readme = readFileSync(join(import.meta.dir, "../../../README.md"), "utf8");

  test("rebuilds with the compose files (they build the image locally, so `pull` cannot work)", () => {
    const hint = containerUpdateHint(null);
    expect(hint).toContain("git pull && docker compose up -d --build");
    expect(hint).not.toContain("docker compose pull");
  });

  test("names the published image after the build's repository owner, lower-cased as the release workflow does", () => {
    expect(containerUpdateHint("Acme-Net/netronome")).toContain("docker pull ghcr.io/acme-net/netronome");
    expect(containerUpdateHint(null)).toContain("docker pull ghcr.io/<owner>/netronome");
  });

  test("says what the README's Updating section tells container users", () => {
    const docker = readme
      .split("\n## Updating")[1]
      ?.split("\n- **Docker**:")[1]
      ?.split("\n- ")[0]
      ?.replace(/\s+/g, " ");
    expect(docker).toContain("`git pull && docker compose up -d --build`");
    expect(docker).toContain("`docker pull ghcr.io/<owner>/netronome` and recreate the container");
    expect(containerUpdateHint(null)).toContain("docker pull ghcr.io/<owner>/netronome and recreate the container");
  });
});
