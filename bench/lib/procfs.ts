/** Facts read from /proc: a process's memory and the machine a result was measured on. */
import { readFileSync } from "node:fs";
import { loadavg, release, totalmem } from "node:os";

/** A `/proc/<pid>/status` size field (VmRSS, VmHWM, …) in bytes; the kernel reports it in KiB. */
export function readStatusBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m"));
  if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status (has the process exited?)`);
  return Number(match[1]) * 1024;
}

export interface MachineFacts {
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly bun: string;
}

export function machineFacts(): MachineFacts {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    cpuModel: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown CPU",
    cpuCount: cpuinfo.match(/^processor\s*:/gm)?.length ?? 0,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: `Linux ${release()}`,
    bun: `${Bun.version} (${Bun.revision.slice(0, 9)})`,
  };
}

export function describeMachine(facts: MachineFacts): string {
  return `${facts.cpuModel} × ${facts.cpuCount}, ${facts.memoryGiB} GiB RAM, ${facts.kernel}, Bun ${facts.bun}`;
}

/** The 1-minute load average: other work on a shared machine shows here and explains noisy figures. */
export function loadAverage(): number {
  return loadavg()[0] ?? Number.NaN;
}
