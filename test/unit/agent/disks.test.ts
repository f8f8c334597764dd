import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  type DiskFilters,
  type DiskUsage,
  decideMount,
  type Mount,
  matchesDiskPattern,
  selectDisks,
} from "../../../src/measure/collectors/disk-filter";
import { diskIdentity, disks, parseMountinfo, usageFromStatfs } from "../../../src/measure/collectors/disks";
import { fixtureContext, fixturePaths } from "./host-fixtures";

const GiB = 1024 ** 3;
const mount = (path: string, device: string, fstype: string, root = "/"): Mount => ({ path, device, fstype, root });
const usage = (total: number): DiskUsage => ({ total, used: total / 4, free: (total * 3) / 4, used_percent: 25 });

/** A typical server's mount table with sizes. */
const TABLE: [Mount, number][] = [
  [mount("/", "/dev/nvme0n1p2", "ext4"), 500 * GiB],
  [mount("/boot/efi", "/dev/nvme0n1p1", "vfat"), 0.5 * GiB],
  [mount("/proc", "proc", "proc"), 0],
  [mount("/sys", "sysfs", "sysfs"), 0],
  [mount("/dev", "udev", "devtmpfs"), 8 * GiB],
  [mount("/dev/shm", "tmpfs", "tmpfs"), 8 * GiB],
  [mount("/run", "tmpfs", "tmpfs"), 1.6 * GiB],
  [mount("/run/user/1000", "tmpfs", "tmpfs"), 1.6 * GiB],
  [mount("/snap/core22/1234", "/dev/loop1", "squashfs"), 0.1 * GiB],
  [mount("/var/lib/docker/overlay2/abc/merged", "overlay", "overlay"), 500 * GiB],
  [mount("/tmp", "tmpfs", "tmpfs"), 8 * GiB],
  [mount("/mnt/disk1", "/dev/sda1", "xfs"), 4000 * GiB],
  [mount("/mnt/disk2", "/dev/sdb1", "xfs"), 4000 * GiB],
  [mount("/mnt/storage", "mergerfs", "fuse.mergerfs"), 8000 * GiB],
  [mount("/srv/disk1-backups", "/dev/sda1", "xfs", "/backups"), 4000 * GiB],
  [mount("/runner", "/dev/sdc1", "ext4"), 100 * GiB],
];

async function select(filters: Partial<DiskFilters> = {}, table = TABLE): Promise<string[]> {
  const sizes = new Map(table.map(([m, size]) => [m, size]));
  const selected = await selectDisks(
    table.map(([m]) => m),
    { includes: [], excludes: [], ...filters },
    async (m) => usage(sizes.get(m)!),
  );
  return selected.map((d) => d.mount.path);
}

describe("disk patterns", () => {
  test.each([
    ["/boot", "/boot", true],
    ["/boot", "/boot/efi", false],
    ["/mnt/disk*", "/mnt/disk1", true],
    ["/mnt/disk*", "/mnt/disk1/sub", true],
    ["/tmp*", "/tmp", true],
    ["/tmp*", "/tmpfs-data", true],
    ["/System/*", "/System/Volumes/Data", true],
    ["/mnt/*/data", "/mnt/a/data", true],
    ["/mnt/*/data", "/mnt/a/b/data", false],
    ["/mnt/disk?", "/mnt/disk7", true],
    ["/mnt/disk?", "/mnt/disk17", false],
    ["/mnt/disk[12]", "/mnt/disk2", true],
    ["/mnt/disk[!12]", "/mnt/disk2", false],
    ["disk?", "/mnt/disk3", true],
    ["disk?", "/mnt/disk3/x", false],
    ["/data(1)", "/data(1)", true],
    ["/a.b*", "/axb", false],
  ])("%p matches %p: %p", (pattern, path, expected) => {
    expect(matchesDiskPattern(pattern, path)).toBe(expected);
  });
});

describe("which mounts are reported", () => {
  test("by default: real filesystems of 1 GiB or more, without pseudo, container, /snap, /run, /dev mounts", async () => {
    expect(await select()).toEqual(["/", "/mnt/disk1", "/mnt/disk2", "/mnt/storage", "/runner"]);
  });

  test("a bind mount of a filesystem already reported is left out (device|fstype|total)", async () => {
    expect(await select()).not.toContain("/srv/disk1-backups");
    // The filesystem's own root is preferred whichever comes first in the table.
    const reversed = [...TABLE].reverse();
    expect(await select({}, reversed)).toContain("/mnt/disk1");
    expect(await select({}, reversed)).not.toContain("/srv/disk1-backups");
  });

  test("excludes hide mounts; globs work", async () => {
    // With /mnt/disk1 hidden, its bind mount is the filesystem's only mount left, so it is shown.
    expect(await select({ excludes: ["/mnt/disk*"] })).toEqual(["/", "/mnt/storage", "/srv/disk1-backups", "/runner"]);
    expect(await select({ excludes: ["/mnt/disk*", "/srv/*"] })).toEqual(["/", "/mnt/storage", "/runner"]);
    expect(await select({ excludes: ["/"] })).not.toContain("/");
  });

  test("an explicit include wins: it bypasses the size, filesystem and exclude rules and bind-mount dedupe", async () => {
    const paths = await select({
      includes: ["/boot/efi", "/dev/shm", "/srv/*", "/mnt/disk2"],
      excludes: ["/mnt/disk*", "/srv/*"],
    });
    expect(paths).toEqual([
      "/",
      "/boot/efi",
      "/dev/shm",
      "/mnt/disk2",
      "/mnt/storage",
      "/srv/disk1-backups",
      "/runner",
    ]);
  });

  test("a mount that cannot be measured is left out, and is measured only if it could be reported", async () => {
    const asked: string[] = [];
    const sizes = new Map(TABLE.map(([m, size]) => [m.path, size]));
    const selected = await selectDisks(
      TABLE.map(([m]) => m),
      { includes: [], excludes: ["/mnt/disk2"] },
      async (m) => {
        asked.push(m.path);
        return m.path === "/mnt/disk1" ? null : usage(sizes.get(m.path)!);
      },
    );
    expect(selected.map((d) => d.mount.path)).toEqual(["/", "/mnt/storage", "/srv/disk1-backups", "/runner"]);
    expect(asked).not.toContain("/proc");
    expect(asked).not.toContain("/mnt/disk2");
  });

  test("decisions name the rule", () => {
    const f = { includes: ["/run/media/*"], excludes: ["/home"] };
    expect(decideMount(mount("/run/media/usb", "/dev/sdd1", "exfat"), f)).toBe("included");
    expect(decideMount(mount("/home", "/dev/sda2", "ext4"), f)).toBe("excluded");
    expect(decideMount(mount("/data", "tank/data", "zfs"), f)).toBe("default");
    expect(decideMount(mount("/x", "none", "9p"), f)).toBe("excluded");
  });
});

describe("the mount table and disk details", () => {
  test("mountinfo: escaped paths, bind roots, sources", () => {
    const mounts = parseMountinfo(readFileSync(`${fixturePaths("nas").proc}/self/mountinfo`, "utf8"));
    expect(mounts.find((m) => m.majorMinor === "8:1" && m.root === "/")).toEqual({
      majorMinor: "8:1",
      root: "/",
      path: "/mnt/my disk",
      fstype: "ext4",
      device: "/dev/sda1",
    });
    expect(mounts.find((m) => m.path === "/srv/backups")?.root).toBe("/backups");
    expect(mounts.find((m) => m.path === "/mnt/nas")).toMatchObject({ fstype: "nfs4", device: "nas.lan:/export" });
    expect(mounts).toHaveLength(15);
  });

  test("statfs figures as df: used of what unprivileged users can fill", () => {
    expect(usageFromStatfs({ bsize: 4096, blocks: 1000, bfree: 300, bavail: 250 })).toEqual({
      total: 4_096_000,
      used: 2_867_200,
      free: 1_024_000,
      used_percent: 73.68,
    });
    expect(usageFromStatfs({ bsize: 4096, blocks: 0, bfree: 0, bavail: 0 }).used_percent).toBe(0);
  });

  test("model and serial of the disk behind a partition: sysfs (NVMe), udev's database (SATA)", () => {
    const { sys, udevData } = fixturePaths("nas");
    expect(diskIdentity(sys, udevData, "259:2")).toEqual({
      model: "Samsung SSD 980 PRO 1TB",
      serial: "S5GXNF0R123456A",
    });
    expect(diskIdentity(sys, udevData, "8:1")).toEqual({ model: "WDC WD40EFRX-68N", serial: "WD-WCC7K1234567" });
    expect(diskIdentity(sys, udevData, "0:41")).toEqual({ model: "", serial: "" });
  });
});

describe("on this machine", () => {
  const real = (options: Partial<DiskFilters> = {}) =>
    disks.create({
      ...fixtureContext("vm", { diskIncludes: options.includes ?? [], diskExcludes: options.excludes ?? [] }),
      paths: { proc: "/proc", sys: "/sys", udevData: "/run/udev/data" },
    });

  test("the root filesystem is reported with consistent figures; kernel and memory filesystems are not", async () => {
    const list = await real().read();
    const root = list.find((d) => d.path === "/");
    expect(root).toBeDefined();
    expect(root!.total).toBeGreaterThan(GiB);
    expect(root!.used + root!.free).toBeLessThanOrEqual(root!.total);
    expect(root!.used_percent).toBeWithin(0, 100.01);
    for (const d of list) {
      expect(["proc", "sysfs", "tmpfs", "devtmpfs", "cgroup", "cgroup2", "devpts"]).not.toContain(d.fstype);
      expect(d.path.startsWith("/proc") || d.path.startsWith("/sys") || d.path.startsWith("/run")).toBe(false);
    }
  });

  test("include and exclude globs on the real mount table", async () => {
    const shown = await real({ includes: ["/dev/sh*"], excludes: ["/"] }).read();
    expect(shown.map((d) => d.path)).toContain("/dev/shm");
    expect(shown.find((d) => d.path === "/dev/shm")?.fstype).toBe("tmpfs");
    expect(shown.map((d) => d.path)).not.toContain("/");
  });
});
