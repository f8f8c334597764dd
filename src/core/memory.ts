/**
 * Returns to the kernel the pages of this executable that start-up touched and steady work no longer uses.
 *
 * Most of a Bun process's resident memory is the runtime's own code and read-only data, mapped from the executable.
 * Start-up (parsing the config, first requests, spawning tools) touches far more of it than a process idling at
 * 1 Hz needs, and those clean pages stay counted in its RSS (and its cgroup) until memory runs short. madvise
 * MADV_PAGEOUT reclaims them now; a page that is needed again comes back from the page cache on its next use, and
 * no data can be lost (the kernel skips pages that were written to). Linux 5.4 or later with glibc or musl; anywhere
 * else this does nothing.
 */
import { readFileSync, realpathSync } from "node:fs";

const MADV_PAGEOUT = 21;
const LIBC_NAMES = ["libc.so.6", `libc.musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`];

type Madvise = (address: bigint, length: bigint, advice: number) => number;
let madvise: Madvise | null | undefined;

async function loadMadvise(): Promise<Madvise | null> {
  if (madvise !== undefined) return madvise;
  madvise = null;
  if (process.platform !== "linux") return null;
  try {
    const { dlopen, FFIType } = await import("bun:ffi");
    for (const name of LIBC_NAMES) {
      try {
        const libc = dlopen(name, {
          madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
        });
        madvise = (address, length, advice) => libc.symbols.madvise(address, length, advice);
        break;
      } catch {
        // Try the next C library name.
      }
    }
  } catch {
    // A Bun without FFI.
  }
  return madvise;
}

/** The executable's mappings (start and end addresses) from /proc/self/maps. */
export function executableMappings(maps: string, executable: string): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  for (const line of maps.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || fields.slice(5).join(" ") !== executable) continue;
    const [start, end] = fields[0]!.split("-");
    out.push([BigInt(`0x${start}`), BigInt(`0x${end}`)]);
  }
  return out;
}

/** Asks the kernel to reclaim this executable's resident pages; resolves to how many mappings it accepted. */
export async function releaseExecutablePages(): Promise<number> {
  const advise = await loadMadvise();
  if (!advise) return 0;
  let executable: string;
  let maps: string;
  try {
    executable = realpathSync(process.execPath);
    maps = readFileSync("/proc/self/maps", "utf8");
  } catch {
    return 0;
  }
  let accepted = 0;
  for (const [start, end] of executableMappings(maps, executable))
    if (advise(start, end - start, MADV_PAGEOUT) === 0) accepted++;
  return accepted;
}
