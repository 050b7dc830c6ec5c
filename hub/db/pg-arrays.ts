import { type SQL, sql } from "drizzle-orm";

/**
 * Values as one PostgreSQL array, a parameter each: `array[$1, $2, …]::type[]`.
 * unnest() of such arrays hands a statement one row per entry, so a statement can
 * walk or update many keys at once (a LATERAL per key, an UPDATE … FROM).
 */
export function pgArray(values: readonly (string | number)[], type: "text" | "bigint"): SQL {
  return sql`array[${sql.join(values.map((v) => sql`${v}`), sql`, `)}]::${sql.raw(type)}[]`;
}
