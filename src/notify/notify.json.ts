/** The API's JSON for notifications: the original's field names, secrets masked, times as UTC ISO strings. */
import { type EventSpec, eventById } from "./catalogue";
import type { BuiltIn } from "./legacy";
import type { ChannelRow, HistoryRow, RuleRow } from "./notify.repository";

export function eventJson(e: EventSpec) {
  return {
    id: e.id,
    category: e.category,
    event_type: e.eventType,
    name: e.name,
    description: e.description,
    default_enabled: e.defaultEnabled,
    supports_threshold: e.threshold !== null,
    threshold_unit: e.threshold?.unit ?? null,
    default_threshold: e.threshold?.value ?? null,
    default_operator: e.threshold?.operator ?? null,
    instant: e.instant,
  };
}

export function channelJson(c: ChannelRow, masked: { type: string; url: string }) {
  return {
    id: c.id,
    name: c.name,
    type: masked.type,
    url: masked.url,
    enabled: c.enabled,
    from_config: false,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

/** The [notifications] channel: ID 0, read-only. */
export function builtInJson(b: BuiltIn, maskedUrl: string, startedAt: Date) {
  return {
    id: 0,
    name: b.target.channelName,
    type: b.target.type.id,
    url: maskedUrl,
    enabled: true,
    from_config: true,
    created_at: startedAt.toISOString(),
    updated_at: startedAt.toISOString(),
  };
}

export function ruleJson(r: RuleRow) {
  const e = eventById(r.eventId);
  return {
    id: r.id,
    channel_id: r.channelId,
    event_id: r.eventId,
    event_type: e ? `${e.category}.${e.eventType}` : null,
    enabled: r.enabled,
    threshold_value: r.thresholdValue,
    threshold_operator: r.thresholdOperator,
    min_breaches: r.minBreaches,
    window_size: r.windowSize,
    cooldown_minutes: r.cooldownMinutes,
    quiet_start: r.quietStart,
    quiet_end: r.quietEnd,
    notify_recovery: r.notifyRecovery,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

export function historyJson(h: HistoryRow) {
  const e = eventById(h.eventId);
  return {
    id: h.id,
    channel_id: h.channelId ?? 0,
    channel_name: h.channelName,
    event_id: h.eventId,
    event_name: e?.name ?? "Test",
    event_type: e ? `${e.category}.${e.eventType}` : "test",
    success: h.success,
    error_message: h.errorMessage,
    payload: h.payload,
    attempts: h.attempts,
    created_at: h.createdAt.toISOString(),
  };
}
