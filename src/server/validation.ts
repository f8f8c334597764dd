/** Schema helpers shared by every feature's request validation. */
import { t } from "elysia";

/**
 * One of a fixed set of strings. Elysia's t.UnionEnum silently substitutes its
 * first value when an optional query field is absent, so a union of literals is
 * used, typed as the union of the values.
 */
export function oneOf<const V extends readonly [string, ...string[]]>(values: V, field: string) {
  const schema = t.Union(
    values.map((v) => t.Literal(v)),
    { error: `${field}: must be one of ${values.join(", ")}` },
  );
  return schema as unknown as ReturnType<typeof t.Literal<V[number]>>;
}

/** The largest row id: ids live in 32-bit integer columns, and a larger number must never reach a query. */
export const MAX_ROW_ID = 2_147_483_647;

/** A row id in a path or query: a whole number from 1 to MAX_ROW_ID. */
export function rowId(field: string) {
  return t.Integer({
    minimum: 1,
    maximum: MAX_ROW_ID,
    error: `${field}: must be a whole number from 1 to ${MAX_ROW_ID}`,
  });
}

/** Page numbers stop far beyond any history, so that an offset stays an exact number a database accepts. */
export const pageNumber = t.Integer({
  minimum: 1,
  maximum: 1_000_000,
  error: "page: must be a whole number from 1 to 1000000",
});
/** Page sizes above [pagination] max_page_size are capped by pageWindow(). */
export const pageLimit = t.Integer({
  minimum: 1,
  maximum: 1_000_000,
  error: "limit: must be a whole number from 1 to 1000000",
});
