import { customType } from "drizzle-orm/sqlite-core";

/**
 * A whole number column (ms timestamps, counts, seqs). Read back as a number
 * whatever the driver hands over: PostgreSQL's int8 comes back from Bun.sql as
 * text. Every value the hub keeps is far below 2^53.
 */
export const int = customType<{ data: number; driverData: number | string }>({
  dataType: () => "integer",
  fromDriver: (value) => (typeof value === "string" ? Number(value) : value),
});
