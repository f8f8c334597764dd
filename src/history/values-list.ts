/**
 * Many rows as one portable statement: a VALUES list of placeholders that INSERT … SELECT reads, so a batch binds
 * its values into a statement prepared once and both dialects run the same SQL.
 *
 * Each placeholder is cast to its column's type and encoded as that column encodes values (a Date becomes an ISO
 * string on PostgreSQL, milliseconds on SQLite): PostgreSQL would otherwise take a VALUES list's parameters for text.
 */
import { type AnyColumn, type SQL, sql } from "drizzle-orm";

/**
 * A placeholder for a value of `column`, encoded as the column encodes values. NULL stays NULL: drizzle hands a
 * placeholder's null to the column's encoder, and a date column's throws on it.
 */
export function slotFor(name: string, column: AnyColumn): SQL {
  const encoder = { mapToDriverValue: (value: unknown) => (value === null ? null : column.mapToDriverValue(value)) };
  return sql`${sql.param(sql.placeholder(name), encoder)}`;
}

/** A placeholder for one value of `column`, typed as the column. */
export function typedSlot(name: string, column: AnyColumn): SQL {
  return sql`cast(${slotFor(name, column)} as ${sql.raw(column.getSQLType())})`;
}

/**
 * `name(col1, col2, …) AS (VALUES (…), …)`, a common table expression of `rows` rows of placeholders named
 * `<column key><row>` (as `slotsOf` names the values), its columns named as the table's.
 */
export function valuesTable(name: string, columns: Record<string, AnyColumn>, rows: number): SQL {
  const entries = Object.entries(columns);
  const header = sql.raw(`${name}(${entries.map(([, column]) => column.name).join(", ")})`);
  const row = (i: number) =>
    sql`(${sql.join(
      entries.map(([key, column]) => typedSlot(`${key}${i}`, column)),
      sql`, `,
    )})`;
  return sql`${header} as (values ${sql.join(
    Array.from({ length: rows }, (_, i) => row(i)),
    sql`, `,
  )})`;
}

/** The placeholder values of rows for `valuesTable`, into `into`. */
export function slotsOf<K extends string>(rows: readonly Record<K, unknown>[], into: Record<string, unknown> = {}) {
  rows.forEach((row, i) => {
    for (const key in row) into[`${key}${i}`] = row[key];
  });
  return into;
}
