import type { Database, Statement } from "bun:sqlite";
import { type Column, getTableColumns, getTableName, sql } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { type HubDb, isPostgres, transactionSqlite } from "./client";
import { pgTables } from "./schema-pg";

interface InsertPlan {
  keys: string[];
  columns: Column[];
  /** One row, its values in `columns` order; skips a row a unique key holds. */
  sqliteText: string;
  /** Every row from one JSON parameter (`$1`), the inserted rows' key column returned. */
  pgText: (key: string) => { head: string; tail: string };
}

const plans = new WeakMap<SQLiteTable, InsertPlan>();
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function planOf(table: SQLiteTable): InsertPlan {
  let plan = plans.get(table);
  if (plan) return plan;
  const columns = getTableColumns(table);
  const keys = Object.keys(columns);
  const names = keys.map((k) => quote(columns[k]!.name));
  const pgColumns = getTableColumns(Object.values(pgTables).find((t) => getTableName(t) === getTableName(table))!) as Record<string, Column>;
  const typed = keys.map((k, i) => `${names[i]} ${pgColumns[k]!.getSQLType()}`);
  const into = `INSERT INTO ${quote(getTableName(table))} (${names.join(", ")})`;
  plan = {
    keys,
    columns: keys.map((k) => columns[k]!),
    sqliteText: `${into} VALUES (${keys.map(() => "?").join(", ")}) ON CONFLICT DO NOTHING`,
    pgText: (key) => ({
      head: `${into} SELECT ${names.join(", ")} FROM json_to_recordset(`,
      tail: `::text::json) AS r(${typed.join(", ")}) ON CONFLICT DO NOTHING RETURNING ${quote(columns[key]!.name)} AS key`,
    }),
  };
  plans.set(table, plan);
  return plan;
}

/** A row's values as the driver takes them, in the plan's column order; a missing value takes the column's default. */
function driverValues(plan: InsertPlan, row: Record<string, unknown>): unknown[] {
  return plan.columns.map((column, i) => {
    let value = row[plan.keys[i]!];
    if (value === undefined) value = column.defaultFn ? column.defaultFn() : (column.default ?? null);
    return value === null ? null : column.mapToDriverValue(value);
  });
}

const statements = new WeakMap<Database, Map<string, Statement>>();
function statementOf(sqlite: Database, text: string): Statement {
  let byText = statements.get(sqlite);
  if (!byText) statements.set(sqlite, (byText = new Map()));
  let statement = byText.get(text);
  if (!statement) byText.set(text, (statement = sqlite.prepare(text)));
  return statement;
}

/**
 * Inserts rows, skipping any a unique key already holds, and answers the `key`
 * values of the rows inserted. Call it inside a transaction. A multi-row
 * statement built by drizzle costs rows × columns of JavaScript (most of an
 * upload's time), so: on SQLite one statement a row, prepared once and run on the
 * transaction's connection (there are no round trips to save); on PostgreSQL one
 * statement for all the rows, the same text every time (so prepared once by the
 * driver), the rows travelling as one JSON parameter that json_to_recordset reads.
 */
export async function insertNew<T extends SQLiteTable, K extends keyof T["$inferInsert"] & string>(
  tx: HubDb,
  table: T,
  rows: T["$inferInsert"][],
  key: K,
): Promise<T["$inferInsert"][K][]> {
  const plan = planOf(table);
  if (!rows.length) return [];
  if (isPostgres(tx)) {
    const names = plan.columns.map((c) => c.name);
    const json = JSON.stringify(
      rows.map((row) => {
        const values = driverValues(plan, row as Record<string, unknown>);
        return Object.fromEntries(names.map((name, i) => [name, values[i]]));
      }),
    );
    const { head, tail } = plan.pgText(key);
    const column = getTableColumns(table)[key]!;
    const inserted = (await (tx as unknown as PgDatabase<never>).execute(sql`${sql.raw(head)}${json}${sql.raw(tail)}`)) as unknown as { key: unknown }[];
    return inserted.map((r) => column.mapFromDriverValue(r.key) as T["$inferInsert"][K]);
  }
  const sqlite = transactionSqlite(tx);
  if (!sqlite) throw new Error("insertNew runs inside a transaction (inTransaction)");
  const statement = statementOf(sqlite, plan.sqliteText);
  const inserted: T["$inferInsert"][K][] = [];
  for (const row of rows) if (statement.run(...(driverValues(plan, row as Record<string, unknown>) as never[])).changes) inserted.push(row[key]);
  return inserted;
}
