/**
 * Packet loss with mtr: hop-by-hop, live from `--raw`. Overall loss and RTT are the destination's own
 * (mtrEndToEnd), never an intermediate hop's; each destination reply's RTT is kept for percentiles.
 */
import { CommandNotFound, run } from "../../core/runner";
import type { ProbeProgress } from "../../protocol/measurements";
import {
  clamp,
  KILL_MARGIN_SECONDS,
  type LossProbe,
  MAX_SPACING_SECONDS,
  MIN_SPACING_SECONDS,
  ProbeFailed,
  roundMs,
} from "./loss-probe";
import { describeMtrFailure, MtrRawStream, mtrArgv, mtrEndToEnd } from "./mtr";

/** mtr's wait for late replies after its last probe (its default of 5 s would eat short intervals). */
export const MTR_GRACE_SECONDS = 2;

/** mtr-packet without raw-socket rights, or a sub-second interval refused to a non-root user. */
const MTR_PRIVILEGE_FAILURE =
  /Failure to open IPv[46] sockets|Failure to start mtr-packet|needs to be run as root|non-root users cannot request/;

const seconds = (value: number) => `${Math.round(value * 10) / 10} s`;
const duration = (count: number, spacing: number) => count * spacing + MTR_GRACE_SECONDS;

export const mtrProbe: LossProbe = {
  hops: true,

  /**
   * One probe a second, or faster only as root with ICMP probes: mtr refuses sub-second intervals to other
   * users, and UDP probes draw ICMP errors that hosts rate-limit to about one a second, which would read as loss.
   */
  spacing({ count, budgetSeconds, icmp }, { root }) {
    const fast = icmp && root;
    const spacing = fast
      ? clamp((budgetSeconds - MTR_GRACE_SECONDS) / count, MIN_SPACING_SECONDS, MAX_SPACING_SECONDS)
      : MAX_SPACING_SECONDS;
    const needed = duration(count, spacing);
    if (needed <= budgetSeconds) return { seconds: spacing };
    const why = fast
      ? `at its fastest (${MIN_SPACING_SECONDS} s apart)`
      : root
        ? "at one a second (faster UDP probes would meet routers' ICMP rate limits; privileged_mode = true uses ICMP)"
        : "at one a second (mtr sends probes less than a second apart only when Netronome runs as root)";
    const fitting = Math.floor((budgetSeconds - MTR_GRACE_SECONDS) / spacing);
    return {
      unfit:
        `mtr would need ${seconds(needed)} for ${count} probes ${why}, more than the ${seconds(budgetSeconds)} ` +
        `a run may take${fitting >= 1 ? ` (${fitting} ${fitting === 1 ? "probe fits" : "probes fit"})` : ""}`,
    };
  },

  durationSeconds: duration,

  async run({ dest, request, spacingSeconds, signal, report }) {
    const argv = mtrArgv({
      host: dest.ip,
      family: dest.family,
      count: request.count,
      intervalSeconds: spacingSeconds,
      privileged: request.icmp,
      dns: request.dns,
      format: "raw",
    });
    argv.splice(argv.indexOf("--"), 0, "-G", String(MTR_GRACE_SECONDS));
    const stream = new MtrRawStream(dest.ip);
    // Every reply's RTT per 0-based hop index; the destination's become the run's samples.
    const repliesByHop = new Map<number, number[]>();
    const progress = (): ProbeProgress => {
      const hops = stream.snapshot();
      const last = hops.at(-1);
      const atDestination = last?.ip === dest.ip ? last : undefined;
      const rounds = hops[0]?.sent ?? 0;
      return {
        method: "mtr",
        sent: atDestination?.sent ?? rounds,
        received: atDestination?.received ?? 0,
        percent: Math.min(100, (rounds / request.count) * 100),
        hopCount: hops.length || null,
      };
    };
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run(argv, {
        signal,
        timeoutMs: (duration(request.count, spacingSeconds) + KILL_MARGIN_SECONDS) * 1000,
        onLine: (line, streamName) => {
          if (streamName !== "stdout" || !stream.push(line)) return;
          const [kind, hop, micros] = line.trim().split(/\s+/);
          if (kind === "p") {
            const replies = repliesByHop.get(Number(hop)) ?? [];
            replies.push(Number(micros) / 1000);
            repliesByHop.set(Number(hop), replies);
          }
          report(progress);
        },
      });
    } catch (e) {
      if (e instanceof CommandNotFound) return { fallback: "mtr is not installed" };
      throw e;
    }
    if (result.timedOut) throw new ProbeFailed("mtr did not finish in time", "mtr");
    if (result.exitCode !== 0 || result.stdout.trim() === "") {
      if (MTR_PRIVILEGE_FAILURE.test(result.stderr)) return { fallback: describeMtrFailure(result.stderr, dest.ip) };
      throw new ProbeFailed(describeMtrFailure(result.stderr, dest.ip), "mtr");
    }
    const hops = stream.finish();
    const end = mtrEndToEnd(hops, dest.ip, request.count);
    const destinationHop = end.reached ? hops.at(-1) : undefined;
    return {
      method: "mtr",
      ip: dest.ip,
      packetLoss: end.loss,
      packetsSent: end.sent,
      packetsRecv: end.received,
      minRtt: roundMs(end.best),
      avgRtt: roundMs(end.avg),
      maxRtt: roundMs(end.worst),
      stdDevRtt: roundMs(end.stddev),
      rttSamplesMs: destinationHop ? (repliesByHop.get(destinationHop.number - 1) ?? []) : [],
      hops: hops.map((h) => ({
        ...h,
        last: roundMs(h.last),
        avg: roundMs(h.avg),
        best: roundMs(h.best),
        worst: roundMs(h.worst),
        stddev: roundMs(h.stddev),
      })),
    };
  },
};
