/** [retention]: how long each kind of history is kept. */
import { int } from "../field";

export const retention = {
  raw_days: int(
    7,
    "RETENTION_RAW_DAYS",
    "Days packet-loss results (with hop data) are kept before only rollups remain",
    1,
    3650,
  ),
  minute_days: int(30, "RETENTION_MINUTE_DAYS", "Days 1-minute packet-loss rollups are kept", 1, 3650),
  hour_days: int(0, "RETENTION_HOUR_DAYS", "Days hourly packet-loss rollups are kept (0: forever)", 0, 36500),
  speedtest_days: int(0, "RETENTION_SPEEDTEST_DAYS", "Days speed-test results are kept (0: forever)", 0, 36500),
  agent_raw_days: int(
    1,
    "RETENTION_AGENT_RAW_DAYS",
    "Days each agent's raw resource samples (one per poll) are kept before only rollups remain",
    1,
    3650,
  ),
  agent_minute_days: int(
    3,
    "RETENTION_AGENT_MINUTE_DAYS",
    "Days 1-minute rollups of agent resources and bandwidth are kept (charts up to 3 days read them)",
    1,
    3650,
  ),
  agent_hour_days: int(
    0,
    "RETENTION_AGENT_HOUR_DAYS",
    "Days hourly rollups of agent resources and bandwidth are kept (0: forever)",
    0,
    36500,
  ),
  notification_days: int(
    90,
    "RETENTION_NOTIFICATION_DAYS",
    "Days the notification delivery history is kept (0: forever)",
    0,
    36500,
  ),
} as const;
