/**
 * Delivers notices off the request path: one queue per channel (a channel that hangs only delays itself), a
 * deadline per attempt, retries with backoff for failures that may pass, and one history row per notice with the
 * outcome. Secrets never reach the history or the log.
 */
import type { Logger } from "../core/log";
import { type ChannelType, type ChannelValues, DeliveryError, type SendContext } from "./channels/channel";
import { scrub, secretsOf } from "./channels/index";
import { httpCall } from "./http";
import type { Notice } from "./notice";
import type { NotifyRepository } from "./notify.repository";
import { sendMail } from "./smtp";

export interface DeliveryTarget {
  /** null for the built-in channel from [notifications]. */
  channelId: number | null;
  channelName: string;
  type: ChannelType;
  values: ChannelValues;
}

export interface DeliveryOptions {
  timeoutMs: number;
  /** Waits before the 2nd, 3rd, … attempt. */
  backoffMs: readonly number[];
  /** Notices waiting per channel; beyond it the oldest is dropped (and recorded). */
  maxQueue: number;
  /** Replaces services' public origins, by channel type (tests point channels at local receivers). */
  origins?: Readonly<Record<string, string>>;
  /** Extra trusted certificate for SMTP servers (tests). */
  smtpCa?: string;
}

/** How long shutdown waits for sends under way (an SMTP server in mid-answer, say). */
const STOP_GRACE_MS = 3000;

export const DEFAULT_DELIVERY: DeliveryOptions = {
  timeoutMs: 10_000,
  backoffMs: [2_000, 10_000, 30_000],
  maxQueue: 100,
};

export interface Outcome {
  ok: boolean;
  error?: string;
  attempts: number;
}

interface Job {
  target: DeliveryTarget;
  notice: Notice;
  done?: (o: Outcome) => void;
}

export function createDeliveries(repo: NotifyRepository, log: Logger, options: DeliveryOptions = DEFAULT_DELIVERY) {
  const queues = new Map<string, Job[]>();
  const running = new Map<string, Promise<void>>();
  const caches = new Map<string, Map<string, unknown>>();
  const stopping = new AbortController();

  const contextFor = (type: ChannelType): SendContext => {
    const cache = caches.get(type.id) ?? new Map<string, unknown>();
    caches.set(type.id, cache);
    return {
      http: (call) => httpCall(call, options.timeoutMs, stopping.signal),
      mail: (m) => sendMail(m, { timeoutMs: options.timeoutMs, ca: options.smtpCa }),
      origin: (fallback) => options.origins?.[type.id] ?? fallback,
      cache,
    };
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener("abort", wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      stopping.signal.addEventListener("abort", wake, { once: true });
    });

  /** Tries up to 1 + backoff.length times; `retry: false` makes one attempt (a user pressing "Send test" waits). */
  async function attempt(target: DeliveryTarget, notice: Notice, retry: boolean): Promise<Outcome> {
    const secrets = secretsOf(target.type, target.values);
    const ctx = contextFor(target.type);
    const limit = retry ? options.backoffMs.length + 1 : 1;
    let error = "";
    let attempts = 0;
    while (attempts < limit && !stopping.signal.aborted) {
      attempts++;
      try {
        await withDeadline(target.type.send(notice, target.values, ctx), options.timeoutMs * 3);
        return { ok: true, attempts };
      } catch (e) {
        error = scrub(e instanceof Error ? e.message : String(e), secrets);
        const retryable = !(e instanceof DeliveryError) || e.retryable;
        if (!retryable || attempts >= limit) break;
        const wait =
          e instanceof DeliveryError && e.retryAfterMs !== undefined
            ? e.retryAfterMs
            : options.backoffMs[attempts - 1]!;
        await sleep(wait);
      }
    }
    return { ok: false, error: error || "not sent: shutting down", attempts };
  }

  async function record(target: DeliveryTarget, notice: Notice, o: Outcome): Promise<void> {
    const secrets = secretsOf(target.type, target.values);
    if (!o.ok)
      log.warn("notification not delivered", {
        channel: target.channelName,
        event: notice.event,
        attempts: o.attempts,
        error: o.error,
      });
    try {
      await repo.insertHistory({
        channelId: target.channelId,
        channelName: target.channelName,
        eventId: notice.eventId,
        success: o.ok,
        errorMessage: o.error ?? null,
        payload: scrub(`${notice.title}\n${notice.message}`, secrets).slice(0, 2000),
        attempts: o.attempts,
        createdAt: new Date(),
      });
    } catch (e) {
      log.error("notification history not written", { error: (e as Error).message });
    }
  }

  async function drain(key: string): Promise<void> {
    const queue = queues.get(key)!;
    for (let job = queue.shift(); job; job = queue.shift()) {
      const outcome = await attempt(job.target, job.notice, true);
      await record(job.target, job.notice, outcome);
      job.done?.(outcome);
    }
    queues.delete(key);
    running.delete(key);
  }

  return {
    /** Queues a notice for a channel and returns at once; `done` hears the outcome. */
    enqueue(target: DeliveryTarget, notice: Notice, done?: (o: Outcome) => void): void {
      if (stopping.signal.aborted) return;
      const key = target.channelId === null ? "config" : String(target.channelId);
      const queue = queues.get(key) ?? [];
      queues.set(key, queue);
      queue.push({ target, notice, done });
      if (queue.length > options.maxQueue) {
        const dropped = queue.shift()!;
        const outcome = {
          ok: false,
          error: "dropped: the channel's queue was full (it is failing or too slow)",
          attempts: 0,
        };
        void record(dropped.target, dropped.notice, outcome).then(() => dropped.done?.(outcome));
      }
      if (!running.has(key)) running.set(key, drain(key));
    },

    /** Sends now, once, and records the outcome (the "Send test" button). */
    async sendNow(target: DeliveryTarget, notice: Notice): Promise<Outcome> {
      const outcome = await attempt(target, notice, false);
      await record(target, notice, outcome);
      return outcome;
    },

    /** Resolves once every queue is empty (tests; shutdown). */
    async idle(): Promise<void> {
      while (running.size) await Promise.all([...running.values()]);
    },

    /** Stops retrying, aborts HTTP requests under way and waits (briefly) for the rest to be recorded. */
    async stop(): Promise<void> {
      stopping.abort();
      await Promise.race([this.idle(), Bun.sleep(STOP_GRACE_MS)]);
    },
  };
}

/** A send that ignores its own timeouts (a stalled TLS handshake, say) still ends. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeliveryError(`no answer within ${ms / 1000} s`, true)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export type Deliveries = ReturnType<typeof createDeliveries>;
