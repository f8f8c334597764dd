/**
 * Live bandwidth from `vnstat --live --json` (one sample every 2 s, vnStat's fixed live interval). The process is
 * supervised: when it exits or stops writing it is started again after a growing pause (1 s doubling to 30 s, back
 * to 1 s once a run has lasted a minute). A vnStat that fails before its first sample, for example because it
 * cannot read the interface, is reported as unusable so the collector can fall back to /proc/net/dev.
 */
import type { Logger } from "../../core/log";
import { run } from "../../core/runner";
import type { LiveSample } from "../../protocol/agent";
import type { LiveSource } from "./bandwidth-procfs";
import { parseLiveLine } from "./vnstat";

const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 30_000;
/** A run this long proves vnStat works: the next failure starts again from the first pause. */
const HEALTHY_RUN_MS = 60_000;
/** No sample for this long (vnStat writes one every 2 s) means it is stuck: it is killed and restarted. */
const STALL_MS = 10_000;

export interface VnstatSourceOptions {
  iface: string;
  publish(sample: LiveSample): void;
  /** Called once, instead of restarting, when vnStat fails before it ever produced a sample. */
  unusable(reason: string): void;
  log: Logger;
}

export function startVnstatSource({ iface, publish, unusable, log }: VnstatSourceOptions): LiveSource {
  const stopping = new AbortController();
  let everSampled = false;

  /** Waits, unless the source is stopped first. */
  const pauseFor = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stopping.signal.addEventListener("abort", done, { once: true });
    });

  const runOnce = async (): Promise<{ exit: string; failed: boolean; message: string }> => {
    const runAbort = new AbortController();
    const onStop = () => runAbort.abort();
    stopping.signal.addEventListener("abort", onStop, { once: true });
    let message = "";
    let lastSampleAt = performance.now();
    const watchdog = setInterval(() => {
      if (performance.now() - lastSampleAt > STALL_MS) runAbort.abort(new Error("stalled"));
    }, STALL_MS / 2);
    try {
      const r = await run(["vnstat", "--live", "--json", "-i", iface], {
        signal: runAbort.signal,
        // Only the first lines are kept (for the error message); a run lasts for days.
        maxOutputBytes: 4096,
        onLine: (line, stream) => {
          const sample = parseLiveLine(line);
          if (sample) {
            everSampled = true;
            lastSampleAt = performance.now();
            publish(sample);
          } else if (line.trim() && !line.startsWith("{") && !message) message = `${stream}: ${line.trim()}`;
        },
      });
      const failed = r.signalCode === null && r.exitCode !== 0;
      return { exit: r.signalCode ? `signal ${r.signalCode}` : `exit code ${r.exitCode}`, failed, message };
    } catch (e) {
      if (stopping.signal.aborted) return { exit: "stopped", failed: false, message };
      return { exit: runAbort.signal.aborted ? "no sample for 10 s" : (e as Error).message, failed: false, message };
    } finally {
      clearInterval(watchdog);
      stopping.signal.removeEventListener("abort", onStop);
    }
  };

  const supervise = async () => {
    let pause = FIRST_RETRY_MS;
    while (!stopping.signal.aborted) {
      const startedAt = performance.now();
      const result = await runOnce();
      if (stopping.signal.aborted) return;
      // vnStat refusing to start (it cannot read the interface) is not worth retrying; a killed one is.
      if (!everSampled && result.failed) {
        unusable(result.message.replace(/^stdout: /, "") || `vnstat ended (${result.exit}) before its first sample`);
        return;
      }
      if (performance.now() - startedAt >= HEALTHY_RUN_MS) pause = FIRST_RETRY_MS;
      log.warn("live bandwidth: vnstat ended; starting it again", {
        interface: iface,
        reason: result.exit,
        ...(result.message && { output: result.message }),
        retryInSeconds: pause / 1000,
      });
      await pauseFor(pause);
      pause = Math.min(LONGEST_RETRY_MS, pause * 2);
    }
  };
  const done = supervise();

  return {
    async stop() {
      stopping.abort();
      await done;
    },
  };
}
