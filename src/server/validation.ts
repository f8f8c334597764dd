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
