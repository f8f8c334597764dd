/**
 * One live connection to one agent: the SSE client of its /events?stream=live-data. It reads the capabilities
 * (GET /) and the agent's identity (/netronome/info) first, then holds the stream open, reconnecting after a
 * failure with exponential backoff and jitter up to [monitor] reconnect_interval. A stream that sends neither data
 * nor a heartbeat for [monitor] stale_after is treated as lost. It keeps the state (online, offline, unauthorized,
 * incompatible) with when it began and when the agent was last heard from, and reports changes and samples to its
 * owner; polling of the other endpoints is the service's (agents.service.ts).
 */
import type { Logger } from "../core/log";
import { SseLineTooLong, SseParser } from "../core/sse-reader";
import { type GaugeFigures, gaugeOf, mergeGauges } from "../history/gauges";
import { AGENT_PROTOCOL_VERSION, type AgentInfo, type AgentRoot, type LiveSample } from "../protocol/agent";
import { AgentRequestFailed, type AgentTarget, getAgentJson, openLiveStream, plainNetworkError } from "./agent-client";
import { looksLikeAgent, PayloadInvalid, readInfo, readLiveSample, readRoot } from "./agent-payloads";
import type { AgentConnectionState } from "./agents.events";

export interface ConnectionSettings {
  /** The longest wait between attempts ([monitor] reconnect_interval). */
  reconnectMaxMs: number;
  /** Silence after which the stream counts as lost ([monitor] stale_after). */
  staleAfterMs: number;
  /** Deadline of each request, and of the stream's response headers. */
  requestTimeoutMs?: number;
}

export interface StateChange {
  from: AgentConnectionState | null;
  to: AgentConnectionState;
  reason: string | undefined;
  at: number;
  /** When the agent was last heard from (the last byte of its stream), if ever. */
  lastSeen: number | null;
}

export interface ConnectionListener {
  state(change: StateChange): void;
  live(sample: LiveSample, at: number): void;
  /** The stream is open: a good moment to read everything else. */
  online(): void;
}

export type Capability = "system" | "hardware" | "peaks" | "historical";

/** Live rates the connection remembers, so a page opened now can draw the last two minutes at once. */
export const RECENT_SAMPLES = 120;

export interface RecentRate {
  at: number;
  rx: number;
  tx: number;
}

export interface ConnectionView {
  state: AgentConnectionState | null;
  reason: string | undefined;
  since: number | null;
  lastSeen: number | null;
  lastSample: { sample: LiveSample; at: number } | null;
  recent: RecentRate[];
  root: AgentRoot | null;
  info: AgentInfo | null;
  capabilities: Record<Capability, boolean>;
}

/** Ends a session with a state other than online. */
class SessionEnded extends Error {
  constructor(
    readonly state: Exclude<AgentConnectionState, "online">,
    message: string,
  ) {
    super(message);
  }
}

/** A session that stayed online this long resets the backoff: the next attempt comes within a second. */
const STABLE_AFTER_MS = 30_000;
const FIRST_RETRY_MS = 1_000;

/** Exponential backoff from 1 s, doubling per failed attempt, capped; "equal jitter" keeps it within [½, 1] × step. */
export function backoffDelay(attempt: number, capMs: number, random: () => number = Math.random): number {
  const step = Math.min(capMs, FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1));
  return step / 2 + random() * (step / 2);
}

function sessionFailure(error: unknown): SessionEnded {
  if (error instanceof SessionEnded) return error;
  if (error instanceof AgentRequestFailed) {
    if (error.kind === "unauthorized") return new SessionEnded("unauthorized", "unauthorized: check the API key");
    if (error.kind === "invalid" || error.kind === "redirect") return new SessionEnded("incompatible", error.message);
    return new SessionEnded("offline", error.message);
  }
  if (error instanceof PayloadInvalid || error instanceof SseLineTooLong)
    return new SessionEnded("incompatible", error.message);
  return new SessionEnded("offline", `connection lost: ${plainNetworkError(error)}`);
}

export class AgentConnection {
  private state: AgentConnectionState | null;
  private reason: string | undefined;
  private since: number | null;
  private lastSeen: number | null;
  private lastSample: { sample: LiveSample; at: number } | null = null;
  private recent: RecentRate[] = [];
  private root: AgentRoot | null = null;
  private info: AgentInfo | null = null;
  private readonly capabilities: Record<Capability, boolean> = {
    system: true,
    hardware: true,
    peaks: true,
    historical: true,
  };
  private rates: { rx: GaugeFigures | null; tx: GaugeFigures | null } = { rx: null, tx: null };
  private readonly stopper = new AbortController();
  private session: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly target: AgentTarget,
    initial: { state: AgentConnectionState | null; since: Date | null; lastSeen: Date | null },
    private readonly settings: ConnectionSettings,
    private readonly listener: ConnectionListener,
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.state = initial.state;
    this.since = initial.since?.getTime() ?? null;
    this.lastSeen = initial.lastSeen?.getTime() ?? null;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the connection for good (the agent was disabled, edited or deleted, or the hub stops). */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.session?.abort();
    this.wakeUp?.();
    await this.loop;
  }

  view(): ConnectionView {
    return {
      state: this.state,
      reason: this.reason,
      since: this.since,
      lastSeen: this.lastSeen,
      lastSample: this.lastSample,
      recent: [...this.recent],
      root: this.root,
      info: this.info,
      capabilities: { ...this.capabilities },
    };
  }

  get online(): boolean {
    return this.state === "online";
  }

  /** An endpoint answered 404: stop asking for it until the agent reconnects (and lists its endpoints again). */
  disable(capability: Capability): void {
    if (this.capabilities[capability]) this.log.info("agent endpoint missing; no longer polled", { capability });
    this.capabilities[capability] = false;
  }

  /** A poll was refused (401) or the stored key cannot be used: drop the stream and say why. */
  fail(state: Exclude<AgentConnectionState, "online">, reason: string): void {
    this.setState(state, reason);
    this.session?.abort(new SessionEnded(state, reason));
  }

  /** The live rates since the last call, as gauge figures (bytes/s), for the history. */
  takeRates(): { rx: GaugeFigures | null; tx: GaugeFigures | null } {
    const taken = this.rates;
    this.rates = { rx: null, tx: null };
    return taken;
  }

  private setState(to: AgentConnectionState, reason: string | undefined, at = Date.now()): void {
    this.reason = reason;
    if (to === this.state) return;
    const from = this.state;
    this.state = to;
    this.since = at;
    this.listener.state({ from, to, reason, at, lastSeen: this.lastSeen });
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopper.signal.aborted) {
      attempt++;
      const onlineAt = await this.connectOnce();
      if (this.stopper.signal.aborted) break;
      if (onlineAt !== null && Date.now() - onlineAt >= STABLE_AFTER_MS) attempt = 1;
      await this.pause(backoffDelay(attempt, this.settings.reconnectMaxMs, this.random));
    }
  }

  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = null;
  }

  /** One attempt: capabilities, identity, then the stream until it ends. Returns when it went online, or null. */
  private async connectOnce(): Promise<number | null> {
    const session = new AbortController();
    this.session = session;
    const signal = AbortSignal.any([session.signal, this.stopper.signal]);
    let onlineAt: number | null = null;
    try {
      await this.readCapabilities(signal);
      const body = await openLiveStream(this.target, signal, this.settings.requestTimeoutMs);
      onlineAt = Date.now();
      this.lastSeen = onlineAt;
      this.setState("online", undefined, onlineAt);
      this.listener.online();
      await this.readStream(body, session, signal);
      throw new SessionEnded("offline", "the agent closed the stream");
    } catch (error) {
      if (this.stopper.signal.aborted) return onlineAt;
      const reason = session.signal.reason;
      const ended = reason instanceof SessionEnded ? reason : sessionFailure(error);
      this.setState(ended.state, ended.message);
      return onlineAt;
    } finally {
      this.session = null;
    }
  }

  private async readCapabilities(signal: AbortSignal): Promise<void> {
    let body: unknown;
    try {
      body = await getAgentJson(this.target, "/", { signal, timeoutMs: this.settings.requestTimeoutMs });
    } catch (error) {
      // An agent behind a proxy that only forwards the API paths: assume everything, 404s switch polls off.
      if (error instanceof AgentRequestFailed && error.kind === "not_found") body = null;
      else throw error;
    }
    if (body !== null) {
      if (!looksLikeAgent(body))
        throw new SessionEnded("incompatible", "this address does not answer as a Netronome agent");
      this.root = readRoot(body);
      const e = this.root.endpoints;
      this.capabilities.system = Boolean(e.system);
      this.capabilities.hardware = Boolean(e.hardware);
      this.capabilities.peaks = Boolean(e.peaks);
      this.capabilities.historical = Boolean(e.historical);
    }
    try {
      this.info = readInfo(
        await getAgentJson(this.target, "/netronome/info", { signal, timeoutMs: this.settings.requestTimeoutMs }),
      );
    } catch (error) {
      if (signal.aborted) throw error;
      this.info = null;
    }
    const version = this.root?.protocol_version ?? this.info?.protocol_version ?? 1;
    if (version > AGENT_PROTOCOL_VERSION)
      throw new SessionEnded(
        "incompatible",
        `the agent speaks protocol ${version} and this hub protocol ${AGENT_PROTOCOL_VERSION}: it needs a newer hub`,
      );
  }

  private async readStream(body: ReadableStream<Uint8Array>, session: AbortController, signal: AbortSignal) {
    const parser = new SseParser();
    const stale = this.settings.staleAfterMs;
    let watchdog = setTimeout(check, stale);
    const self = this;
    function check() {
      const silent = Date.now() - (self.lastSeen ?? 0);
      if (silent >= stale)
        session.abort(
          new SessionEnded("offline", `no data or heartbeat from the agent for ${Math.round(silent / 1000)} s`),
        );
      else watchdog = setTimeout(check, stale - silent);
    }
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const cancel = () => void reader.cancel().catch(() => {});
    signal.addEventListener("abort", cancel, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || signal.aborted) break;
        const now = Date.now();
        this.lastSeen = now;
        for (const item of parser.push(decoder.decode(value, { stream: true }))) {
          if (item.kind !== "event") continue;
          let sample: LiveSample;
          try {
            sample = readLiveSample(item.event.data);
          } catch {
            continue;
          }
          this.lastSample = { sample, at: now };
          this.recent.push({ at: now, rx: sample.rx.bytespersecond, tx: sample.tx.bytespersecond });
          if (this.recent.length > RECENT_SAMPLES) this.recent.shift();
          this.rates.rx = mergeGauges(this.rates.rx, gaugeOf(sample.rx.bytespersecond));
          this.rates.tx = mergeGauges(this.rates.tx, gaugeOf(sample.tx.bytespersecond));
          this.listener.live(sample, now);
        }
      }
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener("abort", cancel);
    }
    if (signal.aborted) throw signal.reason ?? new Error("aborted");
  }
}
