/**
 * The collector family: what the agent reports about its host, one file per collector and one registry (index.ts).
 * Collectors read /proc and /sys (and run vnstat through the runner); they know nothing of HTTP, the hub or storage.
 */
import type { Logger } from "../../core/log";

/**
 * Where the kernel's pseudo-filesystems (and udev's device database) are: the real ones on a host, a captured tree
 * in unit tests.
 */
export interface HostPaths {
  readonly proc: string;
  readonly sys: string;
  readonly udevData: string;
}

export const HOST_PATHS: HostPaths = { proc: "/proc", sys: "/sys", udevData: "/run/udev/data" };

export interface CollectorOptions {
  /** Interface for live bandwidth; empty: the default route's interface. */
  readonly interface: string;
  readonly diskIncludes: readonly string[];
  readonly diskExcludes: readonly string[];
}

export interface CollectorContext {
  readonly paths: HostPaths;
  readonly log: Logger;
  readonly options: CollectorOptions;
}

/** What every collector exposes besides its own readings. */
export interface Collector {
  /**
   * Null when the host supports the collector; otherwise why not, logged once when it was created. An unsupported
   * collector still answers, with empty or zero readings, instead of failing on every request.
   */
  readonly unsupported: string | null;
  /** Stops timers and child processes; the collector answers nothing useful afterwards. */
  close?(): Promise<void>;
}

export interface CollectorDefinition<C extends Collector> {
  readonly label: string;
  /** False for bandwidth, which runs even with `disable_system_metrics`. */
  readonly systemMetric: boolean;
  create(ctx: CollectorContext): C;
}

/** Says once, at construction, that the host cannot support a collector; returns the reason for `unsupported`. */
export function reportUnsupported(ctx: CollectorContext, label: string, reason: string): string {
  ctx.log.info(`${label}: not available on this host (${reason}); reporting empty readings`);
  return reason;
}
