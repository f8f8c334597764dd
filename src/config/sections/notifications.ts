/** [notifications]: one built-in channel and its alert thresholds (further channels are set up in the web UI). */
import { bool, num, str } from "../field";

/** Checked in full (per channel type) when notifications start; here only that it is a URL at all. */
const channelUrlCheck = (v: string) =>
  v === "" || URL.canParse(v) ? null : "must be a URL (https://… or a channel URL such as ntfy://host/topic)";

export const notifications = {
  enabled: bool(false, "NOTIFICATIONS_ENABLED", "Send notifications"),
  webhook_url: str(
    "",
    "NOTIFICATIONS_WEBHOOK_URL",
    "Webhook URL for threshold alerts (a Discord webhook URL, any JSON webhook, or a channel URL such as ntfy://…)",
    { check: channelUrlCheck },
  ),
  ping_threshold: num(30, "NOTIFICATIONS_PING_THRESHOLD", "Notify when latency exceeds this many ms", 0, 1e6),
  upload_threshold: num(
    200,
    "NOTIFICATIONS_UPLOAD_THRESHOLD",
    "Notify when upload falls below this many Mbit/s",
    0,
    1e6,
  ),
  download_threshold: num(
    200,
    "NOTIFICATIONS_DOWNLOAD_THRESHOLD",
    "Notify when download falls below this many Mbit/s",
    0,
    1e6,
  ),
  discord_mention_id: str("", "NOTIFICATIONS_DISCORD_MENTION_ID", "Discord user or role ID to mention"),
} as const;
