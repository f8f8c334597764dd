/**
 * PostgreSQL schema: the tables of each feature, in pg/, with the same names and TypeScript shapes as sqlite/
 * (schema-parity.ts), where each table is described. drizzle-kit reads this file.
 */
export * from "./pg/agents";
export * from "./pg/auth";
export * from "./pg/monitors";
export * from "./pg/notifications";
export * from "./pg/speedtest";
