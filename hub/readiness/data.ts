import type { HubDb } from "../db/client";
import { cameras } from "../db/schema";

/** The cheapest read that proves the database answers. */
export async function pingDatabase(db: HubDb): Promise<void> {
  await db.select({ id: cameras.id }).from(cameras).limit(1);
}
