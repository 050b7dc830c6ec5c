import type { Database, Statement } from "bun:sqlite";
import { entityKind } from "drizzle-orm";
import { SQLiteBunSession } from "drizzle-orm/bun-sqlite";
import { BaseSQLiteDatabase, SQLiteAsyncDialect, SQLitePreparedQuery, SQLiteSyncDialect, type SQLiteExecuteMethod } from "drizzle-orm/sqlite-core";
import { createTableRelationsHelpers, extractTablesRelationalConfig } from "drizzle-orm/relations";
import type { Query } from "drizzle-orm/sql";
import { openDatabase } from "../../shared/sqlite";
import * as schema from "./schema";

/**
 * The hub waits at most this long, blocking, for another process's lock on its
 * database; past it a write fails at once and waits off the event loop instead
 * (hub/db/locks.ts), so an outside lock never freezes the hub.
 */
export const HUB_BUSY_TIMEOUT_MS = 10;

/**
 * The hub's database: drizzle's async API only (`await db.select()…`), the same
 * calls PostgreSQL takes. Statements outside a transaction wait while one runs
 * (see `inTransaction` in hub/db/transaction.ts), so none slips into it.
 */
export type HubDb = BaseSQLiteDatabase<"async", unknown, typeof schema>;

/** One transaction at a time per database, in the order they asked; statements outside one queue while it runs. */
export class TransactionGate {
  private queue: Promise<void> = Promise.resolve();
  private current: Promise<void> | null = null;

  /** Runs `statement` now, or once the transaction in progress has ended. */
  run<T>(statement: () => T): Promise<T> {
    if (!this.current) {
      try {
        return Promise.resolve(statement());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.current.then(() => this.run(statement));
  }

  /** Resolves once no transaction is in progress. */
  async free(): Promise<void> {
    while (this.current) await this.current;
  }

  /** Waits for the transactions asked for before, then holds the gate; the returned function gives it back. */
  async acquire(): Promise<() => void> {
    const before = this.queue;
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    this.queue = before.then(() => done);
    await before;
    this.current = done;
    return () => {
      this.current = null;
      release();
    };
  }
}

type SyncQuery = { run(p?: Record<string, unknown>): unknown; all(p?: Record<string, unknown>): unknown; get(p?: Record<string, unknown>): unknown; values(p?: Record<string, unknown>): unknown; joinsNotNullableMap?: unknown };

/** bun:sqlite's prepared statement behind drizzle's async contract, through the gate (none inside a transaction). */
class AsyncQuery extends SQLitePreparedQuery<never> {
  static override readonly [entityKind] = "HubAsyncQuery";
  constructor(
    private readonly inner: SyncQuery,
    private readonly gate: TransactionGate | null,
    executeMethod: SQLiteExecuteMethod,
    query: Query,
  ) {
    super("async", executeMethod, query);
  }
  // Builders set this on the query they prepared; the statement that maps rows needs it.
  set joinsNotNullableMap(map: unknown) {
    this.inner.joinsNotNullableMap = map;
  }
  private call(method: "run" | "all" | "get" | "values", p?: Record<string, unknown>): never {
    if (!this.gate) {
      try {
        return Promise.resolve(this.inner[method](p)) as never;
      } catch (e) {
        return Promise.reject(e) as never;
      }
    }
    return this.gate.run(() => this.inner[method](p)) as never;
  }
  run(p?: Record<string, unknown>): never {
    return this.call("run", p);
  }
  all(p?: Record<string, unknown>): never {
    return this.call("all", p);
  }
  get(p?: Record<string, unknown>): never {
    return this.call("get", p);
  }
  values(p?: Record<string, unknown>): never {
    return this.call("values", p);
  }
}

/** Native statements by SQL text, the least recently used dropped past a bound (lists of varying length make new texts). */
class StatementCache {
  private statements = new Map<string, Statement>();
  constructor(
    private readonly client: Database,
    private readonly bound = 500,
  ) {}
  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement) this.statements.delete(sql);
    else {
      statement = this.client.prepare(sql);
      if (this.statements.size >= this.bound) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, statement);
    return statement;
  }
}

class AsyncBunSession extends SQLiteBunSession<Record<string, unknown>, never> {
  static override readonly [entityKind] = "HubAsyncBunSession";
  constructor(
    client: Database,
    dialect: SQLiteAsyncDialect,
    schemaConfig: ConstructorParameters<typeof SQLiteBunSession>[2],
    private readonly gate: TransactionGate | null,
    private readonly statements: StatementCache,
  ) {
    super(client, dialect as unknown as SQLiteSyncDialect, schemaConfig as never);
  }
  override prepareQuery(query: Query, fields: never, executeMethod: SQLiteExecuteMethod, isResponseInArrayMode: boolean, customResultMapper?: never): never {
    // drizzle compiles a native statement per call; the same SQL text reuses one (statements run synchronously, so sharing is safe).
    const session = this as unknown as { client: unknown };
    const native = session.client;
    session.client = this.statements;
    let inner: SyncQuery;
    try {
      inner = super.prepareQuery(query, fields, executeMethod, isResponseInArrayMode, customResultMapper) as unknown as SyncQuery;
    } finally {
      session.client = native;
    }
    return new AsyncQuery(inner, this.gate, executeMethod, query) as never;
  }
}

function asyncDatabase(client: Database, gate: TransactionGate | null, statements: StatementCache): HubDb {
  const dialect = new SQLiteAsyncDialect();
  const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
  const schemaConfig = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  const session = new AsyncBunSession(client, dialect, schemaConfig as never, gate, statements);
  return new BaseSQLiteDatabase("async", dialect, session as never, schemaConfig as never) as unknown as HubDb;
}

/** What hub/db/transaction.ts needs to run a transaction on a SQLite hub database. */
export interface SqliteHandle {
  sqlite: Database;
  gate: TransactionGate;
  /** The database as seen from inside the transaction: the same connection, not gated. */
  inside: HubDb;
}
const handles = new WeakMap<HubDb, SqliteHandle>();

const insides = new WeakMap<HubDb, Database>();

export function sqliteHandle(db: HubDb): SqliteHandle | undefined {
  return handles.get(db);
}

/** Whether `db` is on PostgreSQL (else SQLite): for the few statements the dialects write differently. */
export function isPostgres(db: HubDb): boolean {
  return !handles.has(db) && !insides.has(db);
}

/** The SQLite connection under the inside of a transaction, for the statements a row at a time (hub/db/bulk-insert.ts); else undefined. */
export function transactionSqlite(db: HubDb): Database | undefined {
  return insides.get(db);
}

/** Whether `db` is the inside of a transaction (what `inTransaction` gave its work). */
export function isTransaction(db: HubDb): boolean {
  return insides.has(db);
}

export function openHubDb(path: string) {
  const { sqlite } = openDatabase(path, "hub", schema, HUB_BUSY_TIMEOUT_MS);
  const gate = new TransactionGate();
  const statements = new StatementCache(sqlite);
  const db = asyncDatabase(sqlite, gate, statements);
  const inside = asyncDatabase(sqlite, null, statements);
  insides.set(inside, sqlite);
  handles.set(db, { sqlite, gate, inside });
  return { db, sqlite };
}

export { schema };
