/**
 * Replacing the running executable. rename() over it is atomic on one filesystem and leaves the running process on
 * the old inode (writing into a running executable fails with ETXTBSY). The replaced file is kept as
 * `<exe>.previous`, so `netronome update --rollback` can swap the two back.
 */
import {
  accessSync,
  chmodSync,
  chownSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { runningInContainer } from "../config/template";
import { buildInfo } from "../core/build-info";
import { UpdateError } from "./http";

export const previousPath = (exe: string) => `${exe}.previous`;

/** A name for a temporary file beside the executable (same filesystem, so rename() is atomic). */
export function tempPath(exe: string, suffix: string): string {
  const random = Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString("hex");
  return join(dirname(exe), `.${basename(exe)}.${process.pid}-${random}.${suffix}`);
}

/** Removes temporary files that an update killed mid-way (its pid gone) left beside the executable. */
export function removeStaleTemps(exe: string): void {
  const name = basename(exe).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const temp = new RegExp(`^\\.${name}\\.(\\d+)-[0-9a-f]{12}\\.(tar\\.gz|new|keep)$`);
  for (const entry of readdirSync(dirname(exe))) {
    const pid = Number(temp.exec(entry)?.[1]);
    if (pid && pid !== process.pid && !processAlive(pid)) rmSync(join(dirname(exe), entry), { force: true });
  }
}

/**
 * How a container gets a new version, as the README's Docker section says: the compose files build the image from
 * the checkout, so they rebuild; the published image (named after the owner of the repository this was built from)
 * is pulled and the container recreated.
 */
export function containerUpdateHint(repository: string | null = buildInfo.repository): string {
  const owner = repository?.split("/")[0]?.toLowerCase() || "<owner>";
  return (
    "in a container, replace the image instead: with the compose files, git pull && docker compose up -d --build; " +
    `with the published image, docker pull ghcr.io/${owner}/netronome and recreate the container`
  );
}

/** Fails early, with the fix in the message, when the executable's folder cannot be written. */
export function assertWritable(exe: string): void {
  try {
    accessSync(dirname(exe), constants.W_OK);
  } catch {
    const hint = runningInContainer() ? containerUpdateHint() : "run the update as root (sudo netronome update)";
    throw new UpdateError(`${dirname(exe)} is not writable by this user: ${hint}`);
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Gives `file` the mode and (as root) the owner of the executable it will replace. */
export function matchPermissions(file: string, exe: string): void {
  const st = statSync(exe);
  chmodSync(file, st.mode & 0o7777 & ~0o6000);
  if (process.getuid?.() === 0) chownSync(file, st.uid, st.gid);
}

/** A hard link of `source` under a temporary name (a copy where links are not possible). */
function duplicate(source: string, exe: string): string {
  const tmp = tempPath(exe, "keep");
  try {
    linkSync(source, tmp);
  } catch {
    copyFileSync(source, tmp);
  }
  return tmp;
}

/** Puts `fresh` in place of `exe`, keeping the replaced file as `<exe>.previous`. */
export function swapIn(fresh: string, exe: string): void {
  const kept = duplicate(exe, exe);
  try {
    renameSync(kept, previousPath(exe));
  } catch (e) {
    rmSync(kept, { force: true });
    throw e;
  }
  renameSync(fresh, exe);
  syncDir(dirname(exe));
}

/** Swaps `<exe>` and `<exe>.previous`, so a second rollback undoes the first. */
export function swapWithPrevious(exe: string): void {
  const previous = previousPath(exe);
  if (!existsSync(previous)) throw new UpdateError(`no previous version is kept (${previous} does not exist)`);
  const current = duplicate(exe, exe);
  try {
    renameSync(previous, exe);
  } catch (e) {
    rmSync(current, { force: true });
    throw e;
  }
  renameSync(current, previous);
  syncDir(dirname(exe));
}

/**
 * One update at a time per executable: a lock file beside it holding the owner's pid.
 * A lock left by a process that no longer exists is taken over.
 */
export function acquireLock(exe: string): () => void {
  const lock = join(dirname(exe), `.${basename(exe)}.update.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx", mode: 0o600 });
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (lockHeld(lock)) throw new UpdateError(`another update of ${exe} is running (lock ${lock})`);
      rmSync(lock, { force: true });
    }
  }
  throw new UpdateError(`cannot take the update lock beside ${exe}`);
}

/** A lock is held while its pid lives; an empty one (its owner is between creating and writing it) for 10 s. */
function lockHeld(lock: string): boolean {
  try {
    const owner = Number(readFileSync(lock, "utf8").trim());
    if (Number.isInteger(owner) && owner > 0) return processAlive(owner);
    return Date.now() - statSync(lock).mtimeMs < 10_000;
  } catch {
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
