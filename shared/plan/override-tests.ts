import type { OverrideTest } from "../contracts/tests";
import type { PlannedTick } from "./ticks";

/**
 * Whether a test takes a pair at this tick: its schedule (or any), inside
 * [from, until), and fewer than `pairs` pairs done. The first test that covers a
 * tick takes it; a tick gives at most one pair.
 */
export function testForTick(tests: OverrideTest[], tick: PlannedTick, pairsDone: (testId: string) => number): OverrideTest | null {
  return (
    tests.find(
      (t) =>
        (t.schedule === null || t.schedule === tick.schedule) &&
        tick.at >= Date.parse(t.from) &&
        (t.until === null || tick.at < Date.parse(t.until)) &&
        (t.pairs === null || pairsDone(t.id) < t.pairs),
    ) ?? null
  );
}
