/**
 * A duty lease on PostgreSQL (hub/db/lease.ts): of several hub processes on one
 * database one holds it; when the holder's connections go (a replica killed),
 * another takes it; a graceful release hands it over at once.
 */
import { expect, test } from "bun:test";
import { SQL } from "bun";
import { DutyLease, LEASES } from "../../hub/db/lease";
import { openPgHubDb } from "../../hub/db/postgres";
import { freshDatabase } from "../harness/postgres";

test("one replica at a time holds a duty; a dead holder's lease passes to another", async () => {
  const url = await freshDatabase();
  const [a, b, c] = [await openPgHubDb(url), await openPgHubDb(url), await openPgHubDb(url)];
  const [la, lb, lc] = [a, b, c].map(({ db }) => new DutyLease(db, LEASES.live));
  expect(await la!.held()).toBe(true);
  expect(await lb!.held()).toBe(false);
  expect(await la!.held()).toBe(true);
  // The holder's sessions end as they do when its process is killed.
  const admin = new SQL(url, { max: 1 });
  await admin`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = ${LEASES.live % 2 ** 32}`;
  expect(await la!.held()).toBe(false);
  expect(await lb!.held()).toBe(true);
  expect(await lc!.held()).toBe(false);
  await lb!.release();
  expect(await lc!.held()).toBe(true);
  expect(await la!.held()).toBe(false);
  await lc!.release();
  await admin.close();
  for (const x of [a, b, c]) await x.close();
}, 60_000);
