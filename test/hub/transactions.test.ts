import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { settings } from "../../hub/db/schema";
import { inTransaction } from "../../hub/db/transaction";
import type { HubDb } from "../../hub/db/client";
import { testHubDb } from "../harness/in-process";

const read = async (db: HubDb, key: string) => (await db.select().from(settings).where(eq(settings.key, key)))[0]?.value ?? null;
const write = (db: HubDb, key: string, value: unknown) => db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } });

describe("inTransaction", () => {
  test("a statement issued outside while a transaction awaits is not part of it: a rollback keeps it", async () => {
    const db = await testHubDb();
    let outside!: Promise<unknown>;
    const failed = inTransaction(db, async (tx) => {
      await write(tx, "inside", 1);
      outside = Promise.resolve(write(db, "outside", 2)); // issued now (a builder runs when awaited)
      await Bun.sleep(20);
      throw new Error("rolled back");
    });
    await expect(failed).rejects.toThrow("rolled back");
    await outside;
    expect(await read(db, "inside")).toBeNull();
    expect(await read(db, "outside")).toBe(2);
  });

  test("a read issued outside does not see what a transaction has not committed", async () => {
    const db = await testHubDb();
    await write(db, "k", "before");
    let seen!: Promise<unknown>;
    await inTransaction(db, async (tx) => {
      await write(tx, "k", "during");
      seen = read(db, "k"); // issued now
      await Bun.sleep(20);
      await write(tx, "k", "after");
    });
    expect(await seen).not.toBe("during");
  });

  test("transactions run one after another: read-then-write steps never interleave", async () => {
    const db = await testHubDb();
    await write(db, "n", 0);
    const bump = () =>
      inTransaction(db, async (tx) => {
        const n = (await read(tx, "n")) as number;
        await Bun.sleep(1);
        await write(tx, "n", n + 1);
      });
    await Promise.all(Array.from({ length: 20 }, bump));
    expect(await read(db, "n")).toBe(20);
  });

  test("a transaction inside a transaction joins it", async () => {
    const db = await testHubDb();
    await expect(
      inTransaction(db, async (tx) => {
        await inTransaction(tx, (inner) => write(inner, "nested", true));
        throw new Error("all of it rolls back");
      }),
    ).rejects.toThrow();
    expect(await read(db, "nested")).toBeNull();
  });
});
