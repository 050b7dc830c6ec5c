/** The settings every PostgreSQL connection of a hub runs with (hub/db/postgres.ts SESSION_SETTINGS). */
import { expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import { testHubDb } from "../harness/in-process";
import { testBackend } from "../harness/postgres";

test.skipIf(testBackend() !== "postgres")("every connection of the pool runs without JIT compilation (a fleet slice's read compiled for 100–180 ms when statistics lagged)", async () => {
  const db = (await testHubDb()) as unknown as PgDatabase<never>;
  // More statements at once than one connection takes: several connections of the pool answer.
  const answers = await Promise.all(Array.from({ length: 20 }, () => db.execute(sql`SELECT current_setting('jit') AS jit, pg_backend_pid() AS pid, pg_sleep(0.02)`)));
  const rows = answers.map((r) => (r as unknown as { jit: string; pid: number }[])[0]!);
  expect(new Set(rows.map((r) => r.pid)).size).toBeGreaterThan(1);
  expect(new Set(rows.map((r) => r.jit))).toEqual(new Set(["off"]));
});
