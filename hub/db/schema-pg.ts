/**
 * The hub's schema on PostgreSQL, derived from the one definition in schema.ts:
 * same tables, columns, keys and indexes. Whole numbers are bigint (ms
 * timestamps), JSON stays in text (what the data layer reads and writes on
 * SQLite; Bun.sql would double-encode jsonb), reals are double precision. The
 * data layer queries with schema.ts's tables on both backends: drizzle builds the
 * same SQL from them, and columns.ts reads bigints back as numbers.
 * `bunx drizzle-kit generate` reads this file for migrations/hub-pg.
 */
import { getTableColumns, is } from "drizzle-orm";
import { bigint, doublePrecision, index, type PgColumnBuilderBase, pgTable, primaryKey, serial, text, uniqueIndex } from "drizzle-orm/pg-core";
import { getTableConfig, SQLiteTable, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import * as sqlite from "./schema";

function pgColumn(column: SQLiteColumn): PgColumnBuilderBase {
  const type = column.getSQLType();
  let builder;
  if ((column as { autoIncrement?: boolean }).autoIncrement) builder = serial(column.name);
  else if (type === "integer") builder = bigint(column.name, { mode: "number" });
  else if (type === "real") builder = doublePrecision(column.name);
  else if (type === "text") builder = text(column.name);
  else throw new Error(`schema-pg: no PostgreSQL type for ${column.name} (${type})`);
  if (column.primary) builder = builder.primaryKey();
  if (column.notNull) builder = builder.notNull();
  // Booleans are stored as 0/1 on both backends (the column's own mapping).
  if (column.hasDefault && column.default !== undefined) builder = builder.default((typeof column.default === "boolean" ? Number(column.default) : column.default) as never);
  return builder as PgColumnBuilderBase;
}

function pgOf(table: SQLiteTable) {
  const config = getTableConfig(table);
  const keys = new Map(Object.entries(getTableColumns(table)).map(([key, column]) => [column.name, key]));
  const columns = Object.fromEntries(config.columns.map((c) => [keys.get(c.name)!, pgColumn(c)]));
  return pgTable(config.name, columns, (t) => {
    const byName = (c: { name: string }) => t[keys.get(c.name)!]! as never;
    return [
      ...config.primaryKeys.map((pk) => primaryKey({ columns: pk.columns.map(byName) as [never, ...never[]] })),
      ...config.indexes.map((i) => {
        const on = i.config.columns.map((c) => byName(c as { name: string })) as [never, ...never[]];
        const built = (i.config.unique ? uniqueIndex(i.config.name) : index(i.config.name)).on(...on);
        return i.config.where ? built.where(i.config.where) : built;
      }),
    ];
  });
}

export const pgTables = Object.fromEntries(
  Object.entries(sqlite)
    .filter(([, t]) => is(t, SQLiteTable))
    .map(([key, t]) => [key, pgOf(t as SQLiteTable)]),
);

// Named, for drizzle-kit (it looks for exported tables); test/hub/postgres-schema.test.ts checks none is left out.
export const {
  settings,
  schedules,
  profiles,
  profileVersions,
  cameras,
  planRevisions,
  enrollmentCodes,
  overrideTests,
  auditLog,
  captures,
  captureAliases,
  outages,
  clockSamples,
  agentLogs,
  logGaps,
  captureImages,
  timelapses,
  alerts,
  alertMutes,
  maintenanceWindows,
  alertChannels,
  alertDeliveries,
  healthBuckets,
  agentReleases,
  agentReleaseAssignments,
  diagnosticsRequests,
  hubVersions,
} = pgTables;
