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
