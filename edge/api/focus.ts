import { basename } from "node:path";
import { DEFAULT_SETTINGS } from "../../shared/contracts/settings";
import type { Agent } from "../agent";
import { FOCUS_TEST_DIR, FOCUS_TEST_SCHEDULE } from "./seed";
import { captured, requireReady, takeCapture } from "./service";

/** One frame at a lens position, with the camera's focus figure of merit. */
export async function focusTest(agent: Agent, lensPosition: number) {
  await requireReady(agent);
  const settings = { ...DEFAULT_SETTINGS, focus: "manual" as const, lens_position: lensPosition };
  const result = await takeCapture(agent, { at: agent.clock.now(), schedule: FOCUS_TEST_SCHEDULE, profile: "focus", interval_seconds: 0 }, { explicit: settings });
  const body = captured(agent, result, `focus test at lens position ${lensPosition}`);
  const filename = basename(result.files[0]!);
  return { ...body, success: true, filename, path: body.image_path, url: `/images/${FOCUS_TEST_DIR}/${filename}`, lens_position: lensPosition, focus_fom: result.record.exposure?.focus_fom ?? null };
}

/** A sweep over lens positions; the sharpest wins. */
export async function focusAuto(agent: Agent) {
  const positions = [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5];
  const results = [];
  for (const p of positions) results.push(await focusTest(agent, p));
  const best = results.reduce((a, b) => ((b.focus_fom ?? -1) > (a.focus_fom ?? -1) ? b : a));
  return {
    status: "success",
    success: true,
    // The first system's fields: the position chosen and its frame.
    lens_position: best.lens_position,
    filename: best.filename,
    path: best.path,
    url: best.url,
    best_lens_position: best.lens_position,
    best_focus_fom: best.focus_fom,
    results: results.map((r) => ({ lens_position: r.lens_position, focus_fom: r.focus_fom, capture_id: r.capture_id, filename: r.filename })),
  };
}

/** GET /focus-test/images: the focus frames, newest first, with their lens positions. */
export function focusTestImages(agent: Agent) {
  const images = agent.log
    .list({ schedule: FOCUS_TEST_SCHEDULE, outcome: "captured", limit: 1000 })
    .filter((r) => r.image && !r.purged)
    .map((r) => ({
      filename: basename(r.image!.file),
      lens_position: r.settings?.lens_position ?? null,
      url: `/images/${FOCUS_TEST_DIR}/${basename(r.image!.file)}`,
      modified: r.captured_at,
      capture_id: r.id,
      focus_fom: r.exposure?.focus_fom ?? null,
    }));
  return { images };
}
