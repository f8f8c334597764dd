/**
 * SQLite schema: the tables of each feature, in sqlite/. pg/ must define the same tables with the same TypeScript
 * shapes (see schema-parity.ts); drizzle-kit reads this file.
 */
export * from "./sqlite/agents";
export * from "./sqlite/auth";
export * from "./sqlite/monitors";
export * from "./sqlite/notifications";
export * from "./sqlite/speedtest";
