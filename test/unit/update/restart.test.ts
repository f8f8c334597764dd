import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkServiceName, processesRunning, unitOfCgroup } from "../../../src/update/restart";

describe("unitOfCgroup", () => {
  test("finds the system unit in cgroup v2 and v1 files", () => {
    expect(unitOfCgroup("0::/system.slice/netronome-agent.service\n")).toBe("netronome-agent.service");
    expect(unitOfCgroup("0::/system.slice/system-netronome.slice/netronome@alice.service\n")).toBe(
      "netronome@alice.service",
    );
    expect(unitOfCgroup("12:pids:/system.slice/x.service\n1:name=systemd:/system.slice/netronome.service\n")).toBe(
      "x.service",
    );
  });

  test("user sessions, containers and bare processes belong to no system unit", () => {
    expect(unitOfCgroup("0::/user.slice/user-1000.slice/user@1000.service/app.slice/netronome.service\n")).toBeNull();
    expect(unitOfCgroup("0::/user.slice/user-1000.slice/session-3.scope\n")).toBeNull();
    expect(unitOfCgroup("0::/docker/4f1c2a\n")).toBeNull();
    expect(unitOfCgroup("0::/\n")).toBeNull();
    expect(unitOfCgroup("")).toBeNull();
  });
});

test("checkServiceName accepts unit names and labels, refuses options and junk", () => {
  for (const ok of ["netronome-agent.service", "netronome@alice.service", "com.netronome.agent"])
    expect(checkServiceName(ok)).toBe(ok);
  for (const bad of ["--force", "-x", "a b", "a;reboot", "", "x".repeat(300), "ünïcode"])
    expect(() => checkServiceName(bad)).toThrow(/is not a service name/);
});

test("processesRunning finds another process running the executable, also after it was replaced", async () => {
  const dir = mkdtempSync(join(tmpdir(), "netronome-procs-"));
  const exe = join(dir, "sleeper");
  copyFileSync("/bin/sleep", exe);
  const proc = Bun.spawn([exe, "30"]);
  try {
    const deadline = Date.now() + 5000;
    while (!processesRunning(exe).includes(proc.pid) && Date.now() < deadline) await Bun.sleep(20);
    expect(processesRunning(exe)).toEqual([proc.pid]);
    rmSync(exe);
    copyFileSync("/bin/sleep", exe);
    expect(processesRunning(exe)).toEqual([proc.pid]);
    expect(processesRunning(join(dir, "other"))).toEqual([]);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
