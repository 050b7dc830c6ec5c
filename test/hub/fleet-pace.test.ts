/** The alert pass spreads a large fleet's reads (hub/fleet/service.ts FleetReadPace); what it reads is the same. */
import { expect, test } from "bun:test";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { fleetSummary } from "../../hub/fleet/service";
import { sunriseGridConfig } from "../harness/fixtures";
import { testHubDb } from "../harness/in-process";

const NOW = Date.parse("2026-11-24T14:30:00Z");

test("a paced read of 250 cameras pauses between its three slices (at most 50 ms each) and reads what an unpaced one does", async () => {
  const db = await testHubDb();
  await applyConfig(db, parseConfig(sunriseGridConfig(Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`cam${i}`, {}])))), NOW);
  let t = performance.now();
  const fast = await fleetSummary(db, NOW);
  const unpaced = performance.now() - t;
  t = performance.now();
  const paced = await fleetSummary(db, NOW, undefined, { spreadMs: 3_000 });
  const pacedMs = performance.now() - t;
  expect(paced).toEqual(fast);
  // Two pauses of min(50, 3000 / 3) ms: the spread is capped, a small fleet is not held up for seconds.
  expect(pacedMs).toBeGreaterThanOrEqual(95);
  expect(pacedMs).toBeLessThan(unpaced + 1_000);
}, 30_000);
