/**
 * Poll cost right after a one-camera change: every camera of a fleet polls once
 * with its ETag (a round of 304s, in process through the hub's routes), once with
 * nothing changed and once right after one camera's PATCH, in alternation. The
 * median round after a change is compared with the median unchanged round of the
 * same run: only the changed camera's desired state should be recomputed.
 */
import { eq } from "drizzle-orm";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../shared/clock";
import { hashToken } from "../../hub/agents/service";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { openHubDb } from "../../hub/db/client";
import { inTransaction } from "../../hub/db/transaction";
import { cameras } from "../../hub/db/schema";
import { observedState } from "../harness/fixtures";
import { hubOn } from "../harness/in-process";
import { benchConfig } from "./records";

const OPERATOR = "operator-token-for-the-poll-bench";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function pollsAfterChange(fleet: number, rounds: number) {
  const ids = Array.from({ length: fleet }, (_, i) => `cam${String(i).padStart(4, "0")}`);
  const config = {
    ...benchConfig,
    schedules: { ...benchConfig.schedules, sunrise: { offset_minutes: -30, duration_minutes: 60, interval_seconds: 30 } },
    cameras: Object.fromEntries(ids.map((id, i) => [id, { deployed_profile: "p", schedules: i % 2 ? ["bench", "sunrise"] : ["sunrise"] }])),
  };
  const clock = new ManualClock(Date.parse("2026-06-21T12:00:00Z"));
  const dir = mkdtempSync(join(tmpdir(), "skylapse-bench-polls-"));
  const { db } = openHubDb(join(dir, "hub.sqlite"));
  await applyConfig(db, parseConfig(config), clock.now());
  await inTransaction(db, async (tx) => {
    for (const id of ids) await tx.update(cameras).set({ tokenHash: hashToken(`token-${id}`) }).where(eq(cameras.id, id));
  });
  const hub = await hubOn(db, clock, OPERATOR, dir);
  const body = JSON.stringify(observedState());
  const etags = new Map<string, string>();
  const poll = async (id: string) => {
    const etag = etags.get(id);
    const res = await hub.app.handle(
      new Request("http://localhost/agent/v1/state", {
        method: "POST",
        headers: { authorization: `Bearer token-${id}`, "content-type": "application/json", ...(etag ? { "if-none-match": etag } : {}) },
        body,
      }),
    );
    await res.arrayBuffer();
    if (res.status !== 200 && res.status !== 304) throw new Error(`poll ${id}: ${res.status}`);
    etags.set(id, res.headers.get("etag")!);
    return res.status;
  };
  /** One poll per camera; the round's milliseconds and how many got a new state. */
  const round = async () => {
    const t = performance.now();
    let fresh = 0;
    for (const id of ids) if ((await poll(id)) === 200) fresh++;
    return { ms: performance.now() - t, fresh };
  };
  try {
    await round();
    await round();
    const unchanged: number[] = [];
    const changed: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const still = await round();
      if (still.fresh !== 0) throw new Error(`an unchanged round served ${still.fresh} new states`);
      unchanged.push(still.ms);
      const edit = await hub.app.handle(
        new Request(`http://localhost/api/cameras/${ids[i % fleet]}`, {
          method: "PATCH",
          headers: { authorization: `Bearer ${OPERATOR}`, "content-type": "application/json" },
          body: JSON.stringify({ image_sync: i % 2 ? "all" : "thumbnails" }),
        }),
      );
      if (edit.status !== 200) throw new Error(`PATCH: ${edit.status} ${await edit.text()}`);
      const after = await round();
      if (after.fresh !== 1) throw new Error(`the round after one camera's change served ${after.fresh} new states`);
      changed.push(after.ms);
    }
    return {
      metric: `hub: ${fleet.toLocaleString("en-US")} conditional polls right after a one-camera change, ms`,
      value: median(changed),
      baseline: median(unchanged),
      unit: "ms",
      baselineName: "the same polls with nothing changed",
    };
  } finally {
    await hub.ctx.contacts.close();
  }
}

if (import.meta.main) console.log(await pollsAfterChange(Number(process.argv[2] ?? 2_000), Number(process.argv[3] ?? 5)));
