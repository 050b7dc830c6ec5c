import type { Database, Statement } from "bun:sqlite";
import { type Column, getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { type HubDb, isPostgres, transactionSqlite } from "./client";

interface InsertPlan {
  keys: string[];
  columns: Column[];
  /** One row, its values in `columns` order; skips a row a unique key holds. */
  sqliteText: string;
  /** `rows` rows of numbered parameters for the columns `kept` (indexes into `columns`), the inserted rows' key column returned. */
  pgText: (rows: number, kept: number[], key: string) => string;
}

const plans = new WeakMap<SQLiteTable, InsertPlan>();
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function planOf(table: SQLiteTable): InsertPlan {
  let plan = plans.get(table);
  if (plan) return plan;
  const columns = getTableColumns(table);
  const keys = Object.keys(columns);
  const names = keys.map((k) => quote(columns[k]!.name));
  const texts = new Map<string, string>();
  plan = {
    keys,
    columns: keys.map((k) => columns[k]!),
    sqliteText: `INSERT INTO ${quote(getTableName(table))} (${names.join(", ")}) VALUES (${keys.map(() => "?").join(", ")}) ON CONFLICT DO NOTHING`,
    pgText: (rows, kept, key) => {
      const id = `${rows} ${kept.join(",")} ${key}`;
      let text = texts.get(id);
      if (!text) {
        const tuples = Array.from({ length: rows }, (_, r) => `(${kept.map((_, c) => `$${r * kept.length + c + 1}`).join(", ")})`);
        const into = `INSERT INTO ${quote(getTableName(table))} (${kept.map((c) => names[c]).join(", ")})`;
        texts.set(id, (text = `${into} VALUES ${tuples.join(", ")} ON CONFLICT DO NOTHING RETURNING ${quote(columns[key]!.name)}`));
      }
      return text;
    },
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

/**
 * The driver under a drizzle database or transaction on PostgreSQL (drizzle-orm/bun-sql's session):
 * the statement text and its parameters go to Bun.sql as they are, where drizzle's own builder
 * would make an object per parameter (thousands for a batch).
 */
type PgSessionOf = { session: { query(query: string, params: unknown[]): Promise<unknown[][]> } };

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
 * statement for all the rows, its text built once per row count (so prepared once
 * by the driver), the values handed to the driver as they are (an upload's
 * MAX_BATCH rows stay far below PostgreSQL's 65,535 parameters).
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
    const values = rows.map((row) => driverValues(plan, row as Record<string, unknown>));
    // A column null in every row (and null by default) is left out: fewer parameters for the driver and the server to go through.
    const kept = plan.columns.map((_, c) => c).filter((c) => plan.columns[c]!.hasDefault || values.some((v) => v[c] !== null));
    const params = values.flatMap((v) => kept.map((c) => v[c]));
    const column = getTableColumns(table)[key]!;
    const inserted = await (tx as unknown as PgSessionOf).session.query(plan.pgText(rows.length, kept, key), params);
    return inserted.map(([value]) => column.mapFromDriverValue(value) as T["$inferInsert"][K]);
  }
  const sqlite = transactionSqlite(tx);
  if (!sqlite) throw new Error("insertNew runs inside a transaction (inTransaction)");
  const statement = statementOf(sqlite, plan.sqliteText);
  const inserted: T["$inferInsert"][K][] = [];
  for (const row of rows) if (statement.run(...(driverValues(plan, row as Record<string, unknown>) as never[])).changes) inserted.push(row[key]);
  return inserted;
}
