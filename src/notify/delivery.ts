/**
 * Delivers notices off the request path: one queue per channel (a channel that hangs only delays itself), a
 * deadline per attempt, retries with backoff for failures that may pass, and one history row per notice with the
 * outcome. Secrets never reach the history or the log. What a channel keeps between sends (a Matrix sign-in) lives
 * here, per channel, until the channel is changed or deleted, or the server stops; then the channel type releases it.
 */
import type { Logger } from "../core/log";
import { type ChannelType, type ChannelValues, DeliveryError, type SendContext } from "./channels/channel";
import { scrub, secretsOf } from "./channels/index";
import { httpCall } from "./http";
import type { Notice } from "./notice";
import type { NotifyRepository } from "./notify.repository";
import { sendMail } from "./smtp";

export interface DeliveryTarget {
  /** null for the built-in channel from [notifications], and for an unsaved channel being tested. */
  channelId: number | null;
  channelName: string;
  type: ChannelType;
  values: ChannelValues;
  /** An unsaved channel being tested: what its send kept is released right after. */
  unsaved?: boolean;
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

/** How long shutdown waits for sends under way (an SMTP server in mid-answer, say), and then for releases. */
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

/** What one channel keeps between sends, the sends using it now, and whether to release it once they are done. */
interface Kept {
  type: ChannelType;
  channelName: string;
  cache: Map<string, unknown>;
  users: number;
  releaseWhenIdle: boolean;
}

const keyOf = (target: DeliveryTarget) => (target.channelId === null ? "config" : String(target.channelId));

export function createDeliveries(repo: NotifyRepository, log: Logger, options: DeliveryOptions = DEFAULT_DELIVERY) {
  const queues = new Map<string, Job[]>();
  const running = new Map<string, Promise<void>>();
  const kept = new Map<string, Kept>();
  const releasing = new Set<Promise<void>>();
  const stopping = new AbortController();

  /** `stop` aborts HTTP requests under way; releases at shutdown pass their own signal. */
  const contextFor = (type: ChannelType, cache: Map<string, unknown>, stop = stopping.signal): SendContext => ({
    http: (call) => httpCall(call, options.timeoutMs, stop),
    mail: (m) => sendMail(m, { timeoutMs: options.timeoutMs, ca: options.smtpCa }),
    origin: (fallback) => options.origins?.[type.id] ?? fallback,
    cache,
  });

  /** What the target's channel keeps, held for one send; an unsaved channel gets its own, released after. */
  const hold = (target: DeliveryTarget): Kept => {
    const fresh = (): Kept => ({
      type: target.type,
      channelName: target.channelName,
      cache: new Map(),
      users: 0,
      releaseWhenIdle: !!target.unsaved,
    });
    if (target.unsaved) {
      const k = fresh();
      k.users++;
      return k;
    }
    const key = keyOf(target);
    let k = kept.get(key);
    if (k && k.type !== target.type) {
      // The channel became another type: the old type releases what it kept, once its sends are done.
      kept.delete(key);
      if (k.users > 0) k.releaseWhenIdle = true;
      else void letGo(k, key);
      k = undefined;
    }
    if (!k) {
      k = fresh();
      kept.set(key, k);
    }
    k.users++;
    return k;
  };

  const unhold = (k: Kept, key: string) => {
    k.users--;
    if (k.users === 0 && k.releaseWhenIdle) void letGo(k, key);
  };

  /** Has the type release what `k` holds (in the background; `idle` waits for it). */
  function letGo(k: Kept, key: string, stop?: AbortSignal): Promise<void> {
    if (kept.get(key) === k) kept.delete(key);
    if (!k.type.release || k.cache.size === 0) return Promise.resolve();
    const work = k.type
      .release(contextFor(k.type, k.cache, stop))
      .catch((e) => {
        const error = e instanceof Error ? e.message : String(e);
        log.warn("notification channel not signed out", { channel: k.channelName, error });
      })
      .finally(() => releasing.delete(work));
    releasing.add(work);
    return work;
  }

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
    const k = hold(target);
    try {
      return await attemptWith(k, target, notice, retry);
    } finally {
      unhold(k, keyOf(target));
    }
  }

  async function attemptWith(k: Kept, target: DeliveryTarget, notice: Notice, retry: boolean): Promise<Outcome> {
    const secrets = secretsOf(target.type, target.values);
    const ctx = contextFor(target.type, k.cache);
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

    /**
     * The channel was changed or deleted: what it kept (a Matrix sign-in) is released now, or once the sends under
     * way for it are done.
     */
    release(channelId: number): void {
      const key = String(channelId);
      const k = kept.get(key);
      if (!k) return;
      if (k.users > 0) k.releaseWhenIdle = true;
      else void letGo(k, key);
    },

    /** Resolves once every queue is empty and every release done (tests; shutdown). */
    async idle(): Promise<void> {
      while (running.size || releasing.size) await Promise.all([...running.values(), ...releasing]);
    },

    /**
     * Stops retrying, aborts HTTP requests under way and waits (briefly) for the rest to be recorded; then every
     * channel releases what it kept (briefly too).
     */
    async stop(): Promise<void> {
      stopping.abort();
      await Promise.race([this.idle(), Bun.sleep(STOP_GRACE_MS)]);
      const grace = AbortSignal.timeout(STOP_GRACE_MS);
      const all = [...kept].map(([key, k]) => letGo(k, key, grace));
      await Promise.race([Promise.all(all), Bun.sleep(STOP_GRACE_MS)]);
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
