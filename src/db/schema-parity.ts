/**
 * Compile-time guard: both dialect schemas export the same tables with identical
 * row and insert types. `tsc --noEmit` fails when one side drifts.
 */
import type * as Pg from "./schema.pg";
import type * as Sqlite from "./schema.sqlite";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type SameTables = Equal<keyof typeof Sqlite, keyof typeof Pg>;
type SameShapes = {
  [K in keyof typeof Sqlite & keyof typeof Pg]: (typeof Sqlite)[K] extends {
    $inferSelect: infer S;
    $inferInsert: infer I;
  }
    ? (typeof Pg)[K] extends { $inferSelect: infer PS; $inferInsert: infer PI }
      ? Equal<S, PS> extends true
        ? Equal<I, PI>
        : false
      : false
    : true;
};
type AllTrue<T> = false extends T[keyof T] ? false : true;

export const schemaParity: [SameTables, AllTrue<SameShapes>] = [true, true];
