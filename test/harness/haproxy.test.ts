import { expect, test } from "bun:test";
import { startHaproxy } from "./haproxy";
import { startHub } from "./processes";
import { DENVER } from "./scenario";
import { stopAfterEach } from "./tracked";

const config = { location: DENVER, schedules: {}, cameras: {}, profiles: {} };
const track = stopAfterEach();

async function servedBy(url: string, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    const by = res.headers.get("x-served-by")!;
    counts[by] = (counts[by] ?? 0) + 1;
  }
  return counts;
}

test("HAProxy balances between two real hubs, routes around one that died, and takes it back when it returns", async () => {
  const hubs = [track(await startHub({ config })), track(await startHub({ config }))];
  const lb = track(await startHaproxy({ backends: hubs.map((h) => h.url) }));
  await lb.waitUntilUp([0, 1]);
  expect(await servedBy(lb.url, 20)).toEqual({ b0: 10, b1: 10 });

  // Killed: requests it would have had are retried on the other hub, before any health check notices.
  const port = Number(new URL(hubs[0]!.url).port);
  await hubs[0]!.stop(true);
  expect(await servedBy(lb.url, 20)).toEqual({ b1: 20 });
  await lb.waitUntilUp([1]);

  track(await startHub({ config, dataDir: hubs[0]!.dataDir, port }));
  await lb.waitUntilUp([0, 1]);
  const counts = await servedBy(lb.url, 20);
  expect(counts.b0! + counts.b1!).toBe(20);
  expect(Math.min(counts.b0!, counts.b1!)).toBeGreaterThanOrEqual(9);
}, 60_000);
