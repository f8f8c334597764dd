/** A rule as the API and the page submit it, checked before it is stored: every problem named by its field. */
import { BadInput } from "../core/errors";
import { eventById, type Operator } from "./catalogue";
import type { RuleRow } from "./notify.repository";

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export interface RuleInput {
  channel_id: number;
  event_id: number;
  enabled?: boolean;
  threshold_value?: number | null;
  threshold_operator?: Operator | null;
  min_breaches?: number;
  window_size?: number;
  cooldown_minutes?: number;
  quiet_start?: string | null;
  quiet_end?: string | null;
  notify_recovery?: boolean;
}

export function checkRule(input: RuleInput, current?: RuleRow): Omit<RuleRow, "id" | "createdAt" | "updatedAt"> {
  const event = eventById(input.event_id);
  if (!event) throw new BadInput(`event_id: no event ${input.event_id}`, "event_id");
  const merged = {
    channelId: input.channel_id,
    eventId: input.event_id,
    enabled: input.enabled ?? current?.enabled ?? true,
    thresholdValue: input.threshold_value !== undefined ? input.threshold_value : (current?.thresholdValue ?? null),
    thresholdOperator:
      input.threshold_operator !== undefined ? input.threshold_operator : (current?.thresholdOperator ?? null),
    minBreaches: input.min_breaches ?? current?.minBreaches ?? 1,
    windowSize: input.window_size ?? current?.windowSize ?? 1,
    cooldownMinutes: input.cooldown_minutes ?? current?.cooldownMinutes ?? (event.instant ? 0 : 10),
    quietStart: input.quiet_start !== undefined ? input.quiet_start || null : (current?.quietStart ?? null),
    quietEnd: input.quiet_end !== undefined ? input.quiet_end || null : (current?.quietEnd ?? null),
    notifyRecovery: input.notify_recovery ?? current?.notifyRecovery ?? true,
  };
  if (!event.threshold && (merged.thresholdValue !== null || merged.thresholdOperator !== null))
    throw new BadInput(`threshold_value: “${event.name}” has no threshold`, "threshold_value");
  if (event.instant && (merged.minBreaches !== 1 || merged.windowSize !== 1))
    throw new BadInput(
      `min_breaches: “${event.name}” notifies on each occurrence; N of M does not apply`,
      "min_breaches",
    );
  if (merged.minBreaches > merged.windowSize)
    throw new BadInput("min_breaches: cannot exceed window_size (N of the last M checks)", "min_breaches");
  for (const [field, v] of [
    ["quiet_start", merged.quietStart],
    ["quiet_end", merged.quietEnd],
  ] as const)
    if (v !== null && !HHMM.test(v)) throw new BadInput(`${field}: a time as HH:MM (24 h)`, field);
  if ((merged.quietStart === null) !== (merged.quietEnd === null))
    throw new BadInput("quiet_end: quiet hours need both a start and an end", "quiet_end");
  return merged;
}
