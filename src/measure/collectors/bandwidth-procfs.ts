/**
 * Live bandwidth from the kernel's counters (/proc/net/dev), sampled every second and shaped like a
 * `vnstat --live --json` line. The sampler keeps its own baseline: nothing else that reads the counters can shorten
 * or corrupt its window.
 */
import type { Logger } from "../../core/log";
import type { LiveDirection, LiveSample } from "../../protocol/agent";
import { type InterfaceCounters, readNetDev } from "./net-dev";
import { vnstatRateString } from "./rates";

export const PROCFS_INTERVAL_MS = 1_000;

export interface LiveSource {
  stop(): Promise<void>;
}

interface Reading {
  at: number;
  counters: InterfaceCounters;
}

function direction(
  bytes: number,
  packets: number,
  seconds: number,
  totalBytes: number,
  totalPackets: number,
): LiveDirection {
  const bytesPerSecond = Math.round(bytes / seconds);
  return {
    ratestring: vnstatRateString(bytesPerSecond),
    bytespersecond: bytesPerSecond,
    packetspersecond: Math.round(packets / seconds),
    bytes,
    packets,
    totalbytes: totalBytes,
    totalpackets: totalPackets,
  };
}

/** The sample between two readings, numbered and timed from the source's start; null when the counters went back. */
export function sampleBetween(
  from: Reading,
  to: Reading,
  index: number,
  startedAt: number,
  totals: { rxBytes: number; rxPackets: number; txBytes: number; txPackets: number },
): LiveSample | null {
  const seconds = (to.at - from.at) / 1000;
  const d = {
    rxBytes: to.counters.rxBytes - from.counters.rxBytes,
    rxPackets: to.counters.rxPackets - from.counters.rxPackets,
    txBytes: to.counters.txBytes - from.counters.txBytes,
    txPackets: to.counters.txPackets - from.counters.txPackets,
  };
  // A driver reset or an interface re-created with the same name restarts its counters.
  if (seconds <= 0 || Object.values(d).some((v) => v < 0)) return null;
  totals.rxBytes += d.rxBytes;
  totals.rxPackets += d.rxPackets;
  totals.txBytes += d.txBytes;
  totals.txPackets += d.txPackets;
  return {
    index,
    seconds: Math.round((to.at - startedAt) / 1000),
    rx: direction(d.rxBytes, d.rxPackets, seconds, totals.rxBytes, totals.rxPackets),
    tx: direction(d.txBytes, d.txPackets, seconds, totals.txBytes, totals.txPackets),
  };
}

export function startProcfsSource(
  proc: string,
  iface: string,
  publish: (sample: LiveSample) => void,
  log: Logger,
): LiveSource {
  const startedAt = performance.now();
  const totals = { rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0 };
  let index = 0;
  let last: Reading | null = null;
  let missing = false;
  const tick = () => {
    const counters = readNetDev(proc).get(iface);
    if (!counters) {
      if (!missing)
        log.warn("live bandwidth: the interface has no counters in /proc/net/dev; waiting for it", {
          interface: iface,
        });
      missing = true;
      last = null;
      return;
    }
    if (missing) log.info("live bandwidth: the interface is back", { interface: iface });
    missing = false;
    const now = { at: performance.now(), counters };
    const sample = last && sampleBetween(last, now, index + 1, startedAt, totals);
    last = now;
    if (sample) {
      index++;
      publish(sample);
    }
  };
  tick();
  const timer = setInterval(tick, PROCFS_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
    },
  };
}
