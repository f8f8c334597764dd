/**
 * Disks: the mount table from /proc/self/mountinfo, filtered by disk-filter.ts, sizes from statfs, model and serial
 * from sysfs (or udev's database). statfs runs off the event loop with a deadline, so a hung network mount costs
 * one skipped entry instead of a frozen agent; such a mount is left alone for a while before it is tried again.
 */

import { realpathSync } from "node:fs";
import { statfs } from "node:fs/promises";
import type { DiskStats } from "../../protocol/agent";
import { type Collector, type CollectorContext, type CollectorDefinition, reportUnsupported } from "./collector";
import { type DiskUsage, type Mount, selectDisks } from "./disk-filter";
import { readText, readTrimmed } from "./procfs";

export interface DisksCollector extends Collector {
  read(): Promise<DiskStats[]>;
}

/** A mount plus its device numbers, which lead to the disk in sysfs. */
export interface MountEntry extends Mount {
  majorMinor: string;
}

const STATFS_DEADLINE_MS = 2_000;
const HUNG_MOUNT_RETRY_MS = 5 * 60_000;

/** mountinfo escapes space, tab, newline and backslash as octal (\040…). */
const decodeOctal = (field: string) =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

/** Parses /proc/self/mountinfo: `id parent maj:min root mountpoint options [optional…] - fstype source superoptions`. */
export function parseMountinfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    const dash = fields.indexOf("-");
    if (dash < 6 || fields.length < dash + 3) continue;
    mounts.push({
      majorMinor: fields[2]!,
      root: decodeOctal(fields[3]!),
      path: decodeOctal(fields[4]!),
      fstype: fields[dash + 1]!,
      device: decodeOctal(fields[dash + 2]!),
    });
  }
  return mounts;
}

export function usageFromStatfs(s: { bsize: number; blocks: number; bfree: number; bavail: number }): DiskUsage {
  const total = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const free = s.bavail * s.bsize;
  // As df: the share of what unprivileged users can fill (the root reserve is neither used nor free).
  const usable = used + free;
  return { total, used, free, used_percent: usable > 0 ? Math.round((used / usable) * 10_000) / 100 : 0 };
}

/** Model and serial of the disk holding a block device (a partition's parent disk), or empty strings. */
export function diskIdentity(sys: string, udevData: string, majorMinor: string): { model: string; serial: string } {
  let disk: string;
  try {
    disk = realpathSync(`${sys}/dev/block/${majorMinor}`);
  } catch {
    return { model: "", serial: "" };
  }
  if (readText(`${disk}/partition`) !== null) disk = disk.slice(0, disk.lastIndexOf("/"));
  const model = readTrimmed(`${disk}/device/model`);
  let serial = readTrimmed(`${disk}/device/serial`) || readTrimmed(`${disk}/serial`);
  if (!serial) {
    const diskNumbers = readTrimmed(`${disk}/dev`);
    const udev = diskNumbers ? readText(`${udevData}/b${diskNumbers}`) : null;
    serial = udev?.match(/^E:ID_SERIAL_SHORT=(.*)$/m)?.[1]?.trim() ?? "";
  }
  return { model, serial };
}

function create(ctx: CollectorContext): DisksCollector {
  const mountinfo = `${ctx.paths.proc}/self/mountinfo`;
  const unsupported =
    readText(mountinfo) === null ? reportUnsupported(ctx, "Disks", `${mountinfo} is not readable`) : null;
  const filters = { includes: ctx.options.diskIncludes, excludes: ctx.options.diskExcludes };
  const hungUntil = new Map<string, number>();

  const usageOf = async (mount: Mount): Promise<DiskUsage | null> => {
    if ((hungUntil.get(mount.path) ?? 0) > Date.now()) return null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"hung">((resolve) => {
      timer = setTimeout(() => resolve("hung"), STATFS_DEADLINE_MS);
    });
    try {
      const result = await Promise.race([statfs(mount.path), deadline]);
      if (result === "hung") {
        hungUntil.set(mount.path, Date.now() + HUNG_MOUNT_RETRY_MS);
        ctx.log.warn("disk: statfs did not answer; skipping this mount for 5 minutes", { path: mount.path });
        return null;
      }
      return usageFromStatfs(result);
    } catch {
      // Gone between reading the table and measuring it, or not permitted: not reported.
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    unsupported,
    async read() {
      const disks = await selectDisks(parseMountinfo(readText(mountinfo) ?? ""), filters, usageOf);
      return disks.map(({ mount, usage }) => ({
        path: mount.path,
        device: mount.device,
        fstype: mount.fstype,
        ...usage,
        ...diskIdentity(ctx.paths.sys, ctx.paths.udevData, mount.majorMinor),
      }));
    },
  };
}

export const disks = { label: "Disks", systemMetric: true, create } satisfies CollectorDefinition<DisksCollector>;
