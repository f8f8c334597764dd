/**
 * Each dialect's tables live in one file per feature (src/db/sqlite/, src/db/pg/) and reach drizzle-kit, the
 * repositories and schema-parity.ts only through schema.sqlite.ts and schema.pg.ts. A table left out of those
 * re-exports would get no migration and no parity check, so both folders are read here file by file.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { getTableName, is, Table } from "drizzle-orm";
import * as pgSchema from "../../src/db/schema.pg";
import * as sqliteSchema from "../../src/db/schema.sqlite";

const DB_DIR = join(import.meta.dir, "../../src/db");
const DIALECTS = { sqlite: sqliteSchema, pg: pgSchema } as const;

const featureFiles = (folder: string) =>
  readdirSync(join(DB_DIR, folder))
    .filter((f) => f.endsWith(".ts"))
    .sort();

/** Every table a file defines, by export name. */
async function tablesOf(folder: string, file: string): Promise<Record<string, Table>> {
  const module: Record<string, unknown> = await import(join(DB_DIR, folder, file));
  return Object.fromEntries(Object.entries(module).filter((entry): entry is [string, Table] => is(entry[1], Table)));
}

const sqlNames = (tables: Record<string, Table>) =>
  Object.fromEntries(Object.entries(tables).map(([name, table]) => [name, getTableName(table)]));

describe("schema files", () => {
  test("sqlite/ and pg/ split the same tables into the same feature files", async () => {
    expect(featureFiles("pg")).toEqual(featureFiles("sqlite"));
    for (const file of featureFiles("sqlite"))
      expect(sqlNames(await tablesOf("pg", file))).toEqual(sqlNames(await tablesOf("sqlite", file)));
  });

  for (const [folder, schema] of Object.entries(DIALECTS)) {
    test(`schema.${folder}.ts exports every table of ${folder}/ and nothing else`, async () => {
      const fromFiles: Record<string, Table> = {};
      for (const file of featureFiles(folder)) Object.assign(fromFiles, await tablesOf(folder, file));
      expect(Object.keys(fromFiles).length).toBeGreaterThan(20);
      const exported: Record<string, unknown> = { ...schema };
      expect(Object.keys(exported).sort()).toEqual(Object.keys(fromFiles).sort());
      for (const [name, table] of Object.entries(fromFiles)) expect(exported[name]).toBe(table);
    });
  }
});
