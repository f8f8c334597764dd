/**
 * Restarting the services that run this executable after it was replaced: systemd units found through the other
 * processes running it, or a unit (launchd label on macOS) named by the caller.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { findCommand, run } from "../core/runner";
import { UpdateError } from "./http";

const SERVICE_NAME = /^[A-Za-z0-9_.@:][A-Za-z0-9_.@:\\-]*$/;

export function checkServiceName(name: string): string {
  if (!SERVICE_NAME.test(name) || name.length > 256)
    throw new UpdateError(`--restart: "${name}" is not a service name`);
  return name;
}

/**
 * The system unit a process belongs to, from its /proc/<pid>/cgroup text; null for user sessions, containers and
 * processes outside any service.
 */
export function unitOfCgroup(text: string): string | null {
  for (const line of text.split("\n")) {
    const path = line.split(":").slice(2).join(":");
    if (!path.startsWith("/system.slice/")) continue;
    const unit = path.split("/").findLast((part) => part.endsWith(".service"));
    if (unit) return unit;
  }
  return null;
}

/** Pids of other processes whose executable is `exe` (shown as "<exe> (deleted)" once it was replaced). */
export function processesRunning(exe: string): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return pids;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const target = readlinkSync(`/proc/${pid}/exe`);
      if (target === exe || target === `${exe} (deleted)`) pids.push(pid);
    } catch {
      // Gone, or not ours to inspect.
    }
  }
  return pids;
}

/** The systemd units whose processes run `exe`. */
export function servicesRunning(exe: string): string[] {
  const units = new Set<string>();
  for (const pid of processesRunning(exe)) {
    try {
      const unit = unitOfCgroup(readFileSync(`/proc/${pid}/cgroup`, "utf8"));
      if (unit) units.add(unit);
    } catch {
      // The process ended meanwhile.
    }
  }
  return [...units].sort();
}

/** Restarts a running systemd unit (try-restart: a stopped one stays stopped) or a launchd job on macOS. */
export async function restartService(name: string): Promise<void> {
  checkServiceName(name);
  const argv =
    process.platform === "darwin"
      ? ["launchctl", "kickstart", "-k", `system/${name}`]
      : ["systemctl", "try-restart", "--", name];
  if (!findCommand(argv[0]!)) throw new UpdateError(`cannot restart ${name}: ${argv[0]} is not installed`);
  const result = await run(argv, { timeoutMs: 120_000 });
  if (result.exitCode !== 0) {
    const why = (result.stderr || result.stdout).trim().split("\n")[0] ?? "";
    throw new UpdateError(
      `restarting ${name} failed (${argv.join(" ")}: ${result.timedOut ? "timed out" : why || `exit ${result.exitCode}`})`,
    );
  }
}
