/**
 * The seed's [notifications] section as a built-in channel with built-in rules: `webhook_url` (a Discord webhook
 * URL becomes a Discord channel, as in the original; anything else a JSON webhook), alerts when latency is above
 * `ping_threshold` or download/upload below their thresholds, and when a test fails. Read-only: the config file
 * is where it changes.
 */
import type { Config } from "../config/schema";
import { type EventSpec, eventByKey, type Operator } from "./catalogue";
import { parseChannelUrl } from "./channels/index";
import type { DeliveryTarget } from "./delivery";
import type { RuleCondition } from "./rules";

export interface BuiltInRule {
  event: EventSpec;
  comparison: { operator: Operator; threshold: number } | null;
  condition: RuleCondition;
}

export interface BuiltIn {
  target: DeliveryTarget;
  mention?: string;
  rules: BuiltInRule[];
}

/** Each test is judged on its own, as before: every breaching test notifies. */
const EACH_TEST: RuleCondition = {
  minBreaches: 1,
  windowSize: 1,
  cooldownMinutes: 0,
  quietStart: null,
  quietEnd: null,
  notifyRecovery: false,
};

export const CONFIG_CHANNEL_NAME = "[notifications] webhook_url";

/** The built-in channel and rules, null when disabled; throws BadInput when webhook_url is unusable. */
export function builtInNotifications(cfg: Config["notifications"]): BuiltIn | null {
  if (!cfg.enabled || cfg.webhook_url.trim() === "") return null;
  const { type, values } = parseChannelUrl(cfg.webhook_url);
  const rule = (key: string, operator: Operator | null, threshold: number | null): BuiltInRule => ({
    event: eventByKey(key),
    comparison: operator !== null && threshold !== null ? { operator, threshold } : null,
    condition: EACH_TEST,
  });
  return {
    target: { channelId: null, channelName: CONFIG_CHANNEL_NAME, type, values },
    mention: cfg.discord_mention_id.trim() || undefined,
    rules: [
      rule("speedtest.ping_high", "gt", cfg.ping_threshold),
      rule("speedtest.download_low", "lt", cfg.download_threshold),
      rule("speedtest.upload_low", "lt", cfg.upload_threshold),
      rule("speedtest.failed", null, null),
    ],
  };
}
