/** Packet loss with ping: loss and RTT to the destination only (no hops), the method that always fits a run. */
import type { ProbeProgress } from "../../protocol/measurements";
import { clamp, type LossProbe, MAX_SPACING_SECONDS, MIN_SPACING_SECONDS, ProbeFailed } from "./loss-probe";
import { PingError, runPing } from "./ping";

/** ping's wait for a reply (-W) once it has sent its last probe. */
export const PING_WAIT_SECONDS = 2;

export const pingProbe: LossProbe = {
  hops: false,

  spacing: ({ count, budgetSeconds }) => ({
    seconds: clamp((budgetSeconds - PING_WAIT_SECONDS) / count, MIN_SPACING_SECONDS, MAX_SPACING_SECONDS),
  }),

  durationSeconds: (count, spacing) => count * spacing + PING_WAIT_SECONDS,

  async run({ dest, request, spacingSeconds, signal, report }) {
    const samples: number[] = [];
    let lastSeq = 0;
    const progress = (): ProbeProgress => ({
      method: "ping",
      sent: lastSeq,
      received: samples.length,
      percent: Math.min(100, (lastSeq / request.count) * 100),
      hopCount: null,
    });
    try {
      const summary = await runPing(
        { host: dest.ip, family: dest.family },
        { count: request.count, intervalMs: spacingSeconds * 1000, timeoutSeconds: PING_WAIT_SECONDS },
        {
          signal,
          onReply: (reply) => {
            if (reply.duplicate) return;
            samples.push(reply.rttMs);
            lastSeq = Math.max(lastSeq, reply.seq);
            report(progress);
          },
        },
      );
      const sent = summary.transmitted;
      return {
        method: "ping",
        ip: dest.ip,
        // From the counts rather than ping's rounded percentage.
        packetLoss: sent > 0 ? ((sent - summary.received) / sent) * 100 : 100,
        packetsSent: sent,
        packetsRecv: summary.received,
        minRtt: summary.minMs,
        avgRtt: summary.avgMs,
        maxRtt: summary.maxMs,
        stdDevRtt: summary.mdevMs,
        rttSamplesMs: samples,
        hops: null,
      };
    } catch (e) {
      if (e instanceof PingError) throw new ProbeFailed(e.message, "ping");
      throw e;
    }
  },
};
