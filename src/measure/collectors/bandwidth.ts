/**
 * Live bandwidth of one interface, as `vnstat --live --json` samples: from vnStat when it is installed and can read
 * the interface (a sample every 2 s), else from /proc/net/dev (a sample every second). Consumers subscribe to the
 * samples; the latest one is kept for readers that arrive between two samples.
 */
import { Bus } from "../../core/bus";
import { findCommand } from "../../core/runner";
import type { LiveSample } from "../../protocol/agent";
import { type LiveSource, startProcfsSource } from "./bandwidth-procfs";
import { startVnstatSource } from "./bandwidth-vnstat";
import { type Collector, type CollectorContext, type CollectorDefinition, reportUnsupported } from "./collector";
import { defaultInterface } from "./net-dev";

export type BandwidthSource = "vnstat" | "procfs";

export interface BandwidthCollector extends Collector {
  /** The interface measured: the configured one, else the default route's. */
  readonly interface: string;
  /** Where samples come from now (vnStat can turn out unusable after start, leaving /proc/net/dev). */
  source(): BandwidthSource;
  latest(): { sample: LiveSample; at: number } | null;
  readonly samples: Bus<LiveSample>;
  close(): Promise<void>;
}

function create(ctx: CollectorContext): BandwidthCollector {
  const { log } = ctx;
  const iface = ctx.options.interface || defaultInterface(ctx.paths.proc) || "";
  const samples = new Bus<LiveSample>();
  let latest: { sample: LiveSample; at: number } | null = null;
  let current: BandwidthSource = findCommand("vnstat") ? "vnstat" : "procfs";
  let source: LiveSource | null = null;
  let closed = false;

  const publish = (sample: LiveSample) => {
    latest = { sample, at: Date.now() };
    samples.publish(sample);
  };
  const useProcfs = () => {
    current = "procfs";
    source = startProcfsSource(ctx.paths.proc, iface, publish, log);
  };

  const unsupported = iface ? null : reportUnsupported(ctx, "Live bandwidth", "no network interface found");
  if (!unsupported) {
    if (current === "vnstat") {
      log.info("live bandwidth from vnstat", { interface: iface });
      source = startVnstatSource({
        iface,
        publish,
        log,
        unusable: (reason) => {
          if (closed) return;
          log.warn("live bandwidth: vnstat cannot measure the interface; using /proc/net/dev instead", {
            interface: iface,
            reason,
          });
          useProcfs();
        },
      });
    } else {
      log.info("live bandwidth from /proc/net/dev (vnstat is not installed)", { interface: iface });
      useProcfs();
    }
  }

  return {
    unsupported,
    interface: iface,
    source: () => current,
    latest: () => latest,
    samples,
    async close() {
      closed = true;
      // The vnStat source may hand over to /proc/net/dev while it stops: stop whichever runs afterwards too.
      const first = source;
      await first?.stop();
      if (source !== first) await source?.stop();
    },
  };
}

export const bandwidth = {
  label: "Live bandwidth",
  systemMetric: false,
  create,
} satisfies CollectorDefinition<BandwidthCollector>;
