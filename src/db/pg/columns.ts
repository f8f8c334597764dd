/** Column shapes every PostgreSQL table file shares: times are `timestamp with time zone`, read as Dates. */
import { timestamp } from "drizzle-orm/pg-core";

export const timestampTz = (name: string) => timestamp(name, { mode: "date", withTimezone: true });
export const createdAt = () =>
  timestampTz("created_at")
    .notNull()
    .$defaultFn(() => new Date());
export const updatedAt = () =>
  timestampTz("updated_at")
    .notNull()
    .$defaultFn(() => new Date());
