/** The Notifications page's forms: blank values, and submitted fields turned into the service's input. Pure. */
import type { RuleFormValues } from "../../views/settings/notification-rules";
import type { ChannelFormView } from "../../views/settings/notifications";
import { BadInput } from "../core/errors";
import { eventById, OPERATOR_LABEL, OPERATORS, type Operator } from "./catalogue";
import { CHANNEL_TYPES } from "./channels/index";
import type { RuleInput } from "./rule-input";
import type { RuleCondition } from "./rules";

export type Form = Record<string, string>;

export const blankChannel = (): ChannelFormView => ({
  name: "",
  typeId: CHANNEL_TYPES[0].id,
  values: {},
  enabled: true,
});
export const blankRule = (channelId = ""): RuleFormValues => ({
  channel_id: channelId,
  event_id: "2",
  threshold_value: "",
  threshold_operator: "",
  min_breaches: "1",
  window_size: "1",
  cooldown_minutes: "10",
  quiet_start: "",
  quiet_end: "",
  notify_recovery: true,
  enabled: true,
});

export function conditionText(
  eventId: number,
  op: Operator | null,
  threshold: number | null,
  c: RuleCondition,
): string {
  const e = eventById(eventId);
  if (!e) return "?";
  const window = c.windowSize > 1 ? `, ${c.minBreaches} of the last ${c.windowSize}` : "";
  if (e.instant) return "each time";
  if (!e.threshold) return `when it happens${window}`;
  const limit =
    threshold === null
      ? e.category === "packetloss"
        ? "monitor's threshold"
        : String(e.threshold.value)
      : String(threshold);
  return `${OPERATOR_LABEL[op ?? e.threshold.operator]} ${limit} ${e.threshold.unit}${window}`;
}

export const quietText = (c: RuleCondition) => (c.quietStart && c.quietEnd ? `${c.quietStart}–${c.quietEnd}` : "–");
export const cooldownText = (m: number) => (m === 0 ? "none" : m % 60 === 0 ? `${m / 60} h` : `${m} min`);
export const subjectText = (s: string) => (s === "speedtest" ? "speed tests" : s.replace(":", " "));

/** The form's rule fields as the service's input (empty optional numbers mean "default"). */
export function ruleInput(f: Form): Omit<RuleInput, "channel_id" | "event_id"> {
  const int = (key: string, label: string) => {
    const n = Number(f[key]);
    if (f[key] === undefined || f[key] === "" || !Number.isInteger(n))
      throw new BadInput(`${key}: ${label} must be a whole number`, key);
    return n;
  };
  const op = f.threshold_operator || null;
  if (op !== null && !(OPERATORS as readonly string[]).includes(op))
    throw new BadInput("threshold_operator: one of gt, gte, lt, lte, eq", "threshold_operator");
  const threshold = f.threshold_value?.trim() ? Number(f.threshold_value) : null;
  if (threshold !== null && !Number.isFinite(threshold))
    throw new BadInput("threshold_value: a number", "threshold_value");
  return {
    threshold_value: threshold,
    threshold_operator: op as Operator | null,
    min_breaches: int("min_breaches", "N"),
    window_size: int("window_size", "M"),
    cooldown_minutes: int("cooldown_minutes", "the cooldown"),
    quiet_start: f.quiet_start || null,
    quiet_end: f.quiet_end || null,
    notify_recovery: f.notify_recovery === "on",
    enabled: f.enabled === "on",
  };
}

/** The channel form as submitted, shown again when the server refuses it. */
export const channelFormOf = (f: Form, id?: number): ChannelFormView => ({
  id,
  name: f.name ?? "",
  typeId: f.type ?? CHANNEL_TYPES[0].id,
  values: Object.fromEntries(
    Object.entries(f)
      .filter(([k]) => k.startsWith("v."))
      .map(([k, v]) => [k.slice(2), v]),
  ),
  enabled: f.enabled === "on",
});
