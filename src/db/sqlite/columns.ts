/** Column shapes every SQLite table file shares: times are integer milliseconds since the epoch (UTC). */
import { integer } from "drizzle-orm/sqlite-core";

export const timestampMs = (name: string) => integer(name, { mode: "timestamp_ms" });
export const createdAt = () =>
  timestampMs("created_at")
    .notNull()
    .$defaultFn(() => new Date());
export const updatedAt = () =>
  timestampMs("updated_at")
    .notNull()
    .$defaultFn(() => new Date());
