/** Captured and composed /proc and /sys trees (test/fixtures/host/<name>) and a collector context over them. */
import { join } from "node:path";
import { silentLogger } from "../../../src/core/log";
import type { CollectorContext, CollectorOptions, HostPaths } from "../../../src/measure/collectors/collector";

const ROOT = join(import.meta.dir, "../../fixtures/host");

/** vm: this test machine as captured; nas: an Intel box with ZFS, NVMe, SATA and sensors; pi: a Raspberry Pi 4. */
export type HostFixture = "vm" | "nas" | "pi";

export function fixturePaths(host: HostFixture): HostPaths {
  return { proc: join(ROOT, host, "proc"), sys: join(ROOT, host, "sys"), udevData: join(ROOT, host, "udev") };
}

export function fixtureContext(host: HostFixture, options: Partial<CollectorOptions> = {}): CollectorContext {
  return {
    paths: fixturePaths(host),
    log: silentLogger,
    options: { interface: "", diskIncludes: [], diskExcludes: [], ...options },
  };
}
