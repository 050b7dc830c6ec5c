import { describe, expect, test } from "bun:test";
import { getTableColumns, getTableName, is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as pgConfig } from "drizzle-orm/pg-core";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import * as sqlite from "../../hub/db/schema";
import * as pg from "../../hub/db/schema-pg";

const sqliteTables = Object.entries(sqlite).filter(([, t]) => is(t, SQLiteTable)) as [string, SQLiteTable][];

describe("the hub's PostgreSQL schema is the SQLite one", () => {
  test("every table is exported under its name (drizzle-kit generates migrations/hub-pg from the exports)", () => {
    const exported = Object.entries(pg).filter(([, t]) => is(t, PgTable)) as [string, PgTable][];
    expect(exported.map(([key, t]) => `${key}:${getTableName(t)}`).sort()).toEqual(sqliteTables.map(([key, t]) => `${key}:${getTableName(t)}`).sort());
  });

  test("same columns (nullability, defaults), keys and indexes", () => {
    for (const [key, table] of sqliteTables) {
      const twin = (pg as unknown as Record<string, PgTable>)[key]!;
      const a = getTableConfig(table);
      const b = pgConfig(twin);
      const columns = (cols: { name: string; notNull: boolean; primary: boolean; hasDefault: boolean }[]) =>
        cols.map((c) => `${c.name} ${c.notNull} ${c.primary} ${c.hasDefault}`).sort();
      expect(columns(b.columns)).toEqual(columns(a.columns));
      expect(Object.keys(getTableColumns(twin)).sort()).toEqual(Object.keys(getTableColumns(table)).sort());
      expect(b.primaryKeys.map((k) => k.columns.map((c) => c.name).join(","))).toEqual(a.primaryKeys.map((k) => k.columns.map((c) => c.name).join(",")));
      const indexes = (list: { config: { name: string; unique: boolean; columns: unknown[] } }[]) =>
        list.map((i) => `${i.config.name} ${i.config.unique} ${i.config.columns.map((c) => (c as { name: string }).name).join(",")}`).sort();
      expect(indexes(b.indexes as never)).toEqual(indexes(a.indexes as never));
    }
  });

  test("every whole-number column reads back a number on PostgreSQL (bigint comes as text): the int column, a serial id or a 0/1 boolean", () => {
    const plain: string[] = [];
    for (const [, table] of sqliteTables)
      for (const c of getTableConfig(table).columns) {
        const kind = (c as { columnType: string }).columnType;
        if (c.getSQLType() === "integer" && kind !== "SQLiteCustomColumn" && kind !== "SQLiteBoolean" && !(c as { autoIncrement?: boolean }).autoIncrement) plain.push(`${getTableName(table)}.${c.name}`);
      }
    expect(plain).toEqual([]);
  });
});
