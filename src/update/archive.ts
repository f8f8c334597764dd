/** Takes the `netronome` executable out of a release archive (tar.gz). */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { UpdateError } from "./http";

const MEMBER_NAMES = new Set(["netronome", "./netronome"]);

/**
 * Writes the archive's regular file `netronome` to `dest` (created, never overwritten) with mode 0755 and syncs it.
 * Symbolic links and other entries are ignored; an archive without the file is an error.
 */
export async function extractExecutable(archivePath: string, dest: string, maxBytes: number): Promise<void> {
  let files: Map<string, Blob>;
  try {
    files = await new Bun.Archive(await Bun.file(archivePath).bytes()).files();
  } catch (e) {
    throw new UpdateError(`the release archive cannot be read: ${(e as Error).message}`);
  }
  const entry = [...files].find(([name]) => MEMBER_NAMES.has(name))?.[1];
  if (!entry) throw new UpdateError("the release archive holds no `netronome` executable");
  if (entry.size === 0 || entry.size > maxBytes)
    throw new UpdateError(`the executable in the release archive has an implausible size (${entry.size} bytes)`);
  const bytes = new Uint8Array(await entry.arrayBuffer());
  const fd = openSync(dest, "wx", 0o755);
  try {
    for (let off = 0; off < bytes.byteLength; ) off += writeSync(fd, bytes, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
