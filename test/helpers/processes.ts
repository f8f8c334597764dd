/** Finds running processes by their command line, read from /proc: for asserting that a tool was started or killed. */
import { readdirSync, readFileSync } from "node:fs";

/** PIDs of processes whose executable is `command` and whose argv holds every one of `args`. */
export function pidsOf(command: string, args: readonly string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      // The process ended while we looked.
      continue;
    }
    if (argv[0]?.endsWith(command) && args.every((arg) => argv.includes(arg))) pids.push(Number(entry));
  }
  return pids;
}

/** PIDs of the live direct children of `pid` (from /proc/<n>/stat's ppid field). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command (which may hold spaces) in parentheses: state, ppid, …
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === pid && state !== "Z") children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The executable name of a process (`comm`), or null when it is gone. */
export function commandOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}
