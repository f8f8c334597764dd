/**
 * Notifications: listens to the bus, evaluates each check against the rules that concern it (alert state kept in
 * memory and written through, so it survives a restart), and hands notices to the delivery queues. Also manages
 * channels and rules. Never blocks a publisher: evaluation is synchronous and cheap, delivery happens elsewhere.
 */
import { BadInput, Conflict, Forbidden, NotFound, TooManyRequests } from "../core/errors";
import type { Logger } from "../core/log";
import type { AppEvent } from "../server/events";
import { EVENTS, type EventSpec, eventById, type Operator } from "./catalogue";
import { maskedUrl, parseChannelUrl } from "./channels/index";
import { type Check, checksFor } from "./checks";
import type { Deliveries, DeliveryTarget, Outcome } from "./delivery";
import type { BuiltIn } from "./legacy";
import { type Comparison, noticeFor, testNotice } from "./messages";
import {
  type ChannelRow,
  configRuleKey,
  type NotifyRepository,
  type RuleRow,
  ruleKey,
  stateKey,
} from "./notify.repository";
import { checkRule, type RuleInput } from "./rule-input";
import {
  type AlertState,
  breaches,
  decideCondition,
  decideInstant,
  EMPTY_STATE,
  type RuleCondition,
  sent,
} from "./rules";

/** A rule as the evaluator sees it: where to, about what, under which condition. */
interface ActiveRule {
  key: string;
  target: DeliveryTarget;
  event: EventSpec;
  operator: Operator | null;
  threshold: number | null;
  condition: RuleCondition;
  mention?: string;
}

export interface ChannelInput {
  name: string;
  url: string;
  enabled?: boolean;
}

const MAX_CONCURRENT_TESTS = 2;

export function createNotifyService(deps: {
  repo: NotifyRepository;
  deliveries: Deliveries;
  builtIn: BuiltIn | null;
  timezone: string;
  log: Logger;
}) {
  const { repo, deliveries, builtIn, timezone, log } = deps;
  let byEvent = new Map<number, ActiveRule[]>();
  const states = new Map<string, AlertState>();
  /** Alerts handed to delivery and not yet settled: no second alert for the same rule and subject meanwhile. */
  const inflight = new Set<string>();
  /** Latest state waiting to be written, per state key, and the keys being written. */
  const unsaved = new Map<string, { key: string; subject: string; state: AlertState }>();
  const writing = new Map<string, Promise<void>>();
  let tests = 0;

  function builtInRules(): ActiveRule[] {
    if (!builtIn) return [];
    return builtIn.rules.map((r) => ({
      key: configRuleKey(r.event.id),
      target: builtIn.target,
      event: r.event,
      operator: r.comparison?.operator ?? null,
      threshold: r.comparison?.threshold ?? null,
      condition: r.condition,
      mention: builtIn.mention,
    }));
  }

  function activeRule(rule: RuleRow, channel: ChannelRow): ActiveRule | null {
    const event = eventById(rule.eventId);
    if (!event) return null;
    const { type, values } = parseChannelUrl(channel.url);
    return {
      key: ruleKey(rule.id),
      target: { channelId: channel.id, channelName: channel.name, type, values },
      event,
      operator: rule.thresholdOperator ?? event.threshold?.operator ?? null,
      threshold: rule.thresholdValue,
      condition: rule,
      mention: undefined,
    };
  }

  /** Rebuilds the rule index from the database and the config (after every change). */
  async function reload(): Promise<void> {
    const channels = new Map((await repo.listChannels()).map((c) => [c.id, c]));
    const next = new Map<number, ActiveRule[]>();
    const add = (r: ActiveRule) => next.set(r.event.id, [...(next.get(r.event.id) ?? []), r]);
    for (const r of builtInRules()) add(r);
    for (const rule of await repo.listRules()) {
      const channel = channels.get(rule.channelId);
      if (!rule.enabled || !channel?.enabled) continue;
      try {
        const active = activeRule(rule, channel);
        if (active) add(active);
      } catch (e) {
        log.warn("notification channel skipped: its URL no longer parses", {
          channel: channel.name,
          error: (e as Error).message,
        });
      }
    }
    byEvent = next;
  }

  function persist(key: string, subject: string, state: AlertState): void {
    const sk = stateKey(key, subject);
    states.set(sk, state);
    unsaved.set(sk, { key, subject, state });
    if (writing.has(sk)) return;
    const write = async () => {
      for (let job = unsaved.get(sk); job; job = unsaved.get(sk)) {
        unsaved.delete(sk);
        try {
          await repo.saveState(job.key, job.subject, job.state);
        } catch (e) {
          log.error("alert state not saved", { error: (e as Error).message });
        }
      }
      writing.delete(sk);
    };
    writing.set(sk, write());
  }

  function comparisonFor(rule: ActiveRule, check: Check): Comparison | null {
    if (check.value === null || !rule.event.threshold) return null;
    const threshold = rule.threshold ?? check.ownThreshold ?? rule.event.threshold.value;
    return { operator: rule.operator ?? rule.event.threshold.operator, threshold };
  }

  function evaluate(rule: ActiveRule, check: Check): void {
    const sk = stateKey(rule.key, check.subject);
    const before = states.get(sk) ?? EMPTY_STATE;
    const cmp = comparisonFor(rule, check);
    const now = new Date();
    const decision = rule.event.instant
      ? decideInstant(rule.condition, before, now, timezone)
      : decideCondition(
          rule.condition,
          before,
          cmp ? breaches(check.value!, cmp.operator, cmp.threshold) : check.breached,
          now,
          timezone,
        );
    if (decision.state !== before) persist(rule.key, check.subject, decision.state);
    if (decision.action === "none") return;
    const recovery = decision.action === "recover";
    if (!recovery && inflight.has(sk)) return;
    const notice = noticeFor(check, cmp, recovery, rule.mention);
    if (recovery) {
      deliveries.enqueue(rule.target, notice);
      return;
    }
    inflight.add(sk);
    deliveries.enqueue(rule.target, notice, (o: Outcome) => {
      inflight.delete(sk);
      // The cooldown starts with a real send; a failed one leaves the next check free to try again.
      if (o.ok) persist(rule.key, check.subject, sent(states.get(sk) ?? EMPTY_STATE, new Date(), !rule.event.instant));
    });
  }

  function handle(event: AppEvent): void {
    if (byEvent.size === 0) return;
    for (const check of checksFor(event)) for (const rule of byEvent.get(check.event.id) ?? []) evaluate(rule, check);
  }

  async function channelOrThrow(id: number): Promise<ChannelRow> {
    if (id === 0 && builtIn)
      throw new Forbidden("this channel comes from [notifications] in the config file; change it there");
    const c = await repo.findChannel(id);
    if (!c) throw new NotFound(`channel ${id} not found`);
    return c;
  }

  return {
    /** Loads rules and alert state, then listens to `subscribe`. */
    async start(subscribe: (listener: (e: AppEvent) => void) => () => void): Promise<() => void> {
      await reload();
      const keys = [...(await repo.listRules()).map((r) => ruleKey(r.id)), ...builtInRules().map((r) => r.key)];
      for (const [k, v] of await repo.loadStates(keys)) states.set(k, v);
      await repo.deleteStatesExcept(keys);
      return subscribe((e) => {
        try {
          handle(e);
        } catch (err) {
          log.error("notification evaluation failed", { event: e.type, error: (err as Error).message });
        }
      });
    },

    /** Waits until deliveries are done and alert state is written (tests). */
    async settle(): Promise<void> {
      await deliveries.idle();
      await this.flush();
    },

    /** Waits until alert state is written (shutdown, after deliveries stopped). */
    async flush(): Promise<void> {
      while (writing.size) await Promise.all([...writing.values()]);
    },

    builtIn,
    events: (): readonly EventSpec[] => EVENTS,

    async channels(): Promise<ChannelRow[]> {
      return repo.listChannels();
    },
    channel: channelOrThrow,
    /** The [notifications] channel's URL as shown. */
    maskedBuiltIn: (): string => (builtIn ? maskedUrl(builtIn.target.type, builtIn.target.values) : ""),
    masked(c: ChannelRow): { type: string; url: string } {
      try {
        const { type, values } = parseChannelUrl(c.url);
        return { type: type.id, url: maskedUrl(type, values) };
      } catch {
        return { type: c.type, url: `${c.type}://…` };
      }
    },

    async createChannel(input: ChannelInput): Promise<ChannelRow> {
      const { type, values } = parseChannelUrl(input.url);
      const row = await repo.insertChannel({
        name: input.name.trim(),
        type: type.id,
        url: type.format(values),
        enabled: input.enabled ?? true,
      });
      await reload();
      return row;
    },

    async updateChannel(id: number, input: Partial<ChannelInput>): Promise<ChannelRow> {
      const current = await channelOrThrow(id);
      const patch: Partial<ChannelRow> = {};
      if (input.name !== undefined) patch.name = input.name.trim();
      if (input.enabled !== undefined) patch.enabled = input.enabled;
      if (input.url !== undefined) {
        const stored = parseChannelUrl(current.url);
        const { type, values } = parseChannelUrl(input.url, { typeId: stored.type.id, values: stored.values });
        patch.type = type.id;
        patch.url = type.format(values);
      }
      const saved = await repo.updateChannel(id, patch);
      await reload();
      // A sign-in made with the old settings is of no more use (and a disabled channel sends nothing).
      if ((patch.url !== undefined && patch.url !== current.url) || patch.enabled === false) deliveries.release(id);
      return saved!;
    },

    async deleteChannel(id: number): Promise<void> {
      await channelOrThrow(id);
      const keys = (await repo.listRules(id)).map((r) => `${ruleKey(r.id)}\n`);
      await repo.deleteChannel(id);
      for (const k of [...states.keys()]) if (keys.some((prefix) => k.startsWith(prefix))) states.delete(k);
      await reload();
      deliveries.release(id);
    },

    rules: (channelId?: number) => repo.listRules(channelId),

    async createRule(input: RuleInput): Promise<RuleRow> {
      await channelOrThrow(input.channel_id);
      if (await repo.findRuleFor(input.channel_id, input.event_id))
        throw new Conflict("a rule for this channel and event exists already; change that one");
      const row = await repo.insertRule(checkRule(input));
      await reload();
      return row;
    },

    async updateRule(id: number, input: Partial<RuleInput>): Promise<RuleRow> {
      const current = await repo.findRule(id);
      if (!current) throw new NotFound(`rule ${id} not found`);
      const merged = checkRule({ ...input, channel_id: current.channelId, event_id: current.eventId }, current);
      const saved = await repo.updateRule(id, merged);
      await reload();
      return saved!;
    },

    async deleteRule(id: number): Promise<void> {
      if (!(await repo.deleteRule(id))) throw new NotFound(`rule ${id} not found`);
      for (const k of [...states.keys()]) if (k.startsWith(`${ruleKey(id)}\n`)) states.delete(k);
      await reload();
    },

    /** The alert state of a rule, per subject (for the page). */
    stateOf(key: string): { subject: string; state: AlertState }[] {
      return [...states.entries()]
        .filter(([k]) => k.startsWith(`${key}\n`))
        .map(([k, state]) => ({ subject: k.slice(key.length + 1), state }));
    },

    /** Sends a test notice to a saved channel (by ID, 0 = the built-in one) or to a URL checked like a saved one. */
    async test(input: { channel_id?: number; url?: string }): Promise<Outcome & { channel: string }> {
      let target: DeliveryTarget;
      if (input.channel_id !== undefined) {
        if (input.channel_id === 0 && builtIn) target = builtIn.target;
        else {
          const c = await channelOrThrow(input.channel_id);
          const { type, values } = parseChannelUrl(c.url);
          target = { channelId: c.id, channelName: c.name, type, values };
        }
      } else if (input.url !== undefined) {
        const { type, values } = parseChannelUrl(input.url);
        target = { channelId: null, channelName: `unsaved ${type.label} channel`, type, values, unsaved: true };
      } else throw new BadInput("channel_id: give a channel_id or a url", "channel_id");
      if (tests >= MAX_CONCURRENT_TESTS)
        throw new TooManyRequests("tests are already being sent; try again shortly", 5);
      tests++;
      try {
        return {
          ...(await deliveries.sendNow(target, testNotice(target.channelName, new Date()))),
          channel: target.channelName,
        };
      } finally {
        tests--;
      }
    },

    history: (limit: number, filter?: { channelId?: number; failedOnly?: boolean }) => repo.listHistory(limit, filter),
  };
}

export type NotifyService = ReturnType<typeof createNotifyService>;
