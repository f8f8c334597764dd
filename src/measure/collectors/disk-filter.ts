/**
 * Which mounts the agent reports, as pure functions over a mount table (unit-tested on tables of mounts).
 *
 * Order of the rules: a mount matching an include pattern is always reported (it bypasses every other rule);
 * otherwise an exclude pattern hides it; otherwise pseudo and container filesystems, /snap, /run, /dev, /proc and
 * /sys are hidden, and so are filesystems under 1 GiB. Mounts of one filesystem seen at several paths (bind mounts)
 * are reported once, keyed on device|fstype|total.
 */

export interface Mount {
  /** Where it is mounted. */
  path: string;
  /** The mount source: /dev/sda1, tank/data, server:/export, tmpfs… */
  device: string;
  fstype: string;
  /** The folder of the filesystem that is mounted here: "/" unless this is a bind mount of a subfolder. */
  root: string;
}

export interface DiskUsage {
  total: number;
  used: number;
  free: number;
  used_percent: number;
}

export interface DiskFilters {
  includes: readonly string[];
  excludes: readonly string[];
}

export const MIN_DISK_BYTES = 1024 ** 3;

/** Filesystems that hold no user data: kernel interfaces, memory-backed, container layers, read-only images. */
export const PSEUDO_FILESYSTEMS: ReadonlySet<string> = new Set([
  "tmpfs",
  "devtmpfs",
  "devfs",
  "ramfs",
  "squashfs",
  "overlay",
  "aufs",
  "proc",
  "sysfs",
  "cgroup",
  "cgroup2",
  "devpts",
  "mqueue",
  "debugfs",
  "tracefs",
  "securityfs",
  "pstore",
  "bpf",
  "configfs",
  "fusectl",
  "hugetlbfs",
  "autofs",
  "binfmt_misc",
  "rpc_pipefs",
  "nsfs",
  "efivarfs",
  "selinuxfs",
  "nfsd",
  "fuse.lxcfs",
  "fuse.snapfuse",
  "fuse.portal",
  "fuse.gvfsd-fuse",
]);

/** Folders whose mounts are system plumbing (each also hides everything below it). */
export const SYSTEM_MOUNT_FOLDERS = [
  "/snap",
  "/run",
  "/dev",
  "/proc",
  "/sys",
  "/var/lib/docker",
  "/var/lib/containers/storage",
] as const;

const PSEUDO_DEVICES = ["tmpfs", "devfs", "udev", "overlay", "none"] as const;

const isUnder = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") out += i === glob.length - 1 ? ".*" : "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) out += "\\[";
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        out += `[${body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/**
 * Whether a disk pattern matches a mount path. A pattern without glob characters matches that exact path. `*`, `?`
 * and `[...]` match within one path component, except a final `*`, which matches the rest of the path (so `/mnt/*`
 * covers every mount below /mnt and `/tmp*` covers /tmp and /tmpfs-data). A pattern without `/` is matched against
 * the mount's last component (`disk?` matches /mnt/disk1).
 */
export function matchesDiskPattern(pattern: string, path: string): boolean {
  if (!/[*?[]/.test(pattern)) return pattern === path;
  const target = pattern.includes("/") ? path : (path.split("/").pop() ?? "");
  return globToRegExp(pattern).test(target);
}

export type DiskDecision = "included" | "default" | "excluded";

/** The decision before usage is known: explicitly included, shown by default, or hidden. */
export function decideMount(mount: Mount, filters: DiskFilters): DiskDecision {
  if (filters.includes.some((p) => matchesDiskPattern(p, mount.path))) return "included";
  if (filters.excludes.some((p) => matchesDiskPattern(p, mount.path))) return "excluded";
  if (PSEUDO_FILESYSTEMS.has(mount.fstype)) return "excluded";
  if (SYSTEM_MOUNT_FOLDERS.some((folder) => isUnder(mount.path, folder))) return "excluded";
  if (PSEUDO_DEVICES.includes(mount.device as (typeof PSEUDO_DEVICES)[number])) return "excluded";
  return "default";
}

export interface SelectedDisk<M extends Mount = Mount> {
  mount: M;
  usage: DiskUsage;
  explicit: boolean;
}

/** Prefers the mount of the filesystem's own root, then the shorter path, then the alphabetically first. */
function preferred<M extends Mount>(a: SelectedDisk<M>, b: SelectedDisk<M>): SelectedDisk<M> {
  const aRoot = a.mount.root === "/";
  const bRoot = b.mount.root === "/";
  if (aRoot !== bRoot) return aRoot ? a : b;
  if (a.mount.path.length !== b.mount.path.length) return a.mount.path.length < b.mount.path.length ? a : b;
  return a.mount.path <= b.mount.path ? a : b;
}

/** One entry per filesystem (device|fstype|total), keeping every explicitly included mount, in mount-table order. */
export function dedupeDisks<M extends Mount>(disks: readonly SelectedDisk<M>[]): SelectedDisk<M>[] {
  const best = new Map<string, SelectedDisk<M>>();
  for (const disk of disks) {
    const key = `${disk.mount.device}|${disk.mount.fstype}|${disk.usage.total}`;
    const current = best.get(key);
    best.set(key, current ? preferred(current, disk) : disk);
  }
  const kept = new Set(best.values());
  return disks.filter((d) => d.explicit || kept.has(d));
}

/**
 * The disks to report from a mount table in order, given each candidate's usage (`usageOf` is asked only for mounts
 * not already hidden; null when the mount could not be measured).
 */
export async function selectDisks<M extends Mount>(
  mounts: readonly M[],
  filters: DiskFilters,
  usageOf: (mount: M) => Promise<DiskUsage | null>,
): Promise<SelectedDisk<M>[]> {
  const candidates = mounts
    .map((mount) => ({ mount, decision: decideMount(mount, filters) }))
    .filter((c) => c.decision !== "excluded");
  const measured = await Promise.all(candidates.map(async (c) => ({ ...c, usage: await usageOf(c.mount) })));
  const selected: SelectedDisk<M>[] = [];
  for (const { mount, decision, usage } of measured) {
    if (!usage) continue;
    const explicit = decision === "included";
    if (!explicit && usage.total < MIN_DISK_BYTES) continue;
    selected.push({ mount, usage, explicit });
  }
  return dedupeDisks(selected);
}
