/**
 * What the first system's clients read back from the Pi: its file names and URLs,
 * its field names, its defaults. Our own fields sit beside these in the replies.
 */
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { SeedCaptureSettings } from "../../shared/contracts/seed-api";
import { CaptureSettings, DEFAULT_SETTINGS } from "../../shared/contracts/settings";
import type { CaptureRecord } from "../../shared/contracts/sync";
import { seedBaseToOverride, settingsToSeedRequest } from "../../shared/exposure/compile";
import { HttpError, notFound } from "../../shared/http";
import type { Agent } from "../agent";

/** Focus-test frames: this schedule in our log, the `focus-test` folder on the first system. */
export const FOCUS_TEST_SCHEDULE = "focus_test";
export const FOCUS_TEST_DIR = "focus-test";

const warned = new WeakMap<Agent, Set<string>>();

/** Keys a seed route ignored are named in the agent log, each once per route and process. */
export function warnIgnored(agent: Agent, route: string, ignored: string[]): void {
  const seen = warned.get(agent) ?? new Set<string>();
  warned.set(agent, seen);
  const fresh = ignored.filter((key) => !seen.has(`${route} ${key}`));
  if (!fresh.length) return;
  for (const key of fresh) seen.add(`${route} ${key}`);
  console.warn(`edge: ${route}: ignored unknown key${fresh.length > 1 ? "s" : ""} ${fresh.join(", ")} (accepted as the first system accepted them; said once)`);
}

/** The first system's defaults where explicit settings leave a key out: POST /capture's and POST /capture-bracket's models. */
export const CAPTURE_DEFAULTS = { iso: 0, awb_mode: 1 } as const;
export const BRACKET_DEFAULTS = { iso: 100, awb_mode: 1 } as const;
/** Its shutter when an ISO is set and no shutter is given. */
const DEFAULT_SHUTTER = "1/500";

/** Explicit settings in the seed's names as our settings, the first system's defaults filling what is not given. */
export function explicitSettings(req: SeedCaptureSettings, defaults: { iso: number; awb_mode: number }): CaptureSettings {
  const { bracket_ev, ...given } = { ...defaults, ...req };
  const shutter = given.shutter_speed ?? (given.iso === 0 ? undefined : DEFAULT_SHUTTER);
  return CaptureSettings.parse({ ...DEFAULT_SETTINGS, ...seedBaseToOverride({ ...given, shutter_speed: shutter, bracket_exposures: bracket_ev }) });
}

/** The settings a capture used, in the seed's names and codes (EV as used, not capped). */
export function settingsUsed(s: CaptureSettings) {
  return {
    ...settingsToSeedRequest(s),
    exposure_compensation: s.ev,
    bracket_count: s.bracket?.count ?? 1,
    ...(s.bracket ? { bracket_ev: s.bracket.ev } : {}),
  };
}

/** A bracket's files in the order of its EV offsets (the capture lists its 0 EV frame first). */
export function inExposureOrder(evs: number[], files: string[]): string[] {
  const main = evs.reduce((best, ev, i) => (Math.abs(ev) < Math.abs(evs[best]!) ? i : best), 0);
  return evs.map((_, i) => (i === main ? files[0]! : files[i < main ? i + 1 : i]!));
}

/** `/images/profile-<p>/<file>`: where the first system's clients fetch a capture's file. */
export const imageUrl = (profile: string, file: string) => `/images/profile-${profile}/${basename(file)}`;

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d+)?Z/;

/** The folder names a file answers to: its own parent folder, `profile-<p>`, and `focus-test` for focus frames. */
function answersTo(record: CaptureRecord, file: string, dir: string): boolean {
  return basename(dirname(file)) === dir || dir === `profile-${record.profile_id}` || (dir === FOCUS_TEST_DIR && record.schedule === FOCUS_TEST_SCHEDULE);
}

/**
 * GET /images/<dir>/<file>: the first system's static mount. The file name carries the
 * tick (`20261124T140000Z…jpg`), so the log finds the capture; any of its frames is served.
 */
export function findImage(agent: Agent, path: string): string {
  const [dir, file] = path.split("/") as [string, string];
  const m = STAMP.exec(file);
  const at = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ""}Z`) : NaN;
  if (Number.isNaN(at)) throw notFound(`image ${dir}/${file}`);
  for (const record of agent.log.list({ from: at, to: at + 1, outcome: "captured", limit: 100 })) {
    if (!record.image) continue;
    const match = agent.images.filesOf(record.image.file).find((f) => basename(f) === file && answersTo(record, f, dir));
    if (!match) continue;
    if (record.purged) throw new HttpError(410, "purged", `image ${dir}/${file} was deleted to keep within storage limits`);
    return agent.images.pathOf(match);
  }
  throw notFound(`image ${dir}/${file}`);
}

/** The newest captured image still on disk, of one profile or of any. */
function newest(agent: Agent, profile?: string) {
  return agent.log.list({ profile, outcome: "captured", limit: 50 }).find((r) => r.image && !r.purged) ?? null;
}

/** GET /latest-image: the first system's JSON about the newest image. */
export function latestImage(agent: Agent, profile?: string) {
  const r = newest(agent, profile);
  if (!r) return { image_url: null, image_count: 0 };
  return {
    image_url: imageUrl(r.profile_id, r.image!.file),
    profile: r.profile_id,
    timestamp: Date.parse(r.captured_at ?? r.planned_at),
    image_count: agent.log.imageCount(profile),
    capture_id: r.id,
    schedule: r.schedule,
  };
}

/** GET /images/profile-<p>/info: the newest image's file, size and time. */
export function imageInfo(agent: Agent, profile: string) {
  const r = newest(agent, profile);
  if (!r) throw notFound(`an image for profile ${profile}`);
  return {
    filename: basename(r.image!.file),
    size: r.image!.bytes,
    modified: r.captured_at,
    profile,
    image_url: imageUrl(profile, r.image!.file),
    capture_id: r.id,
  };
}

/** GET /images/profile-<p>/list: newest first, in the first system's names and ours. */
export function imageList(agent: Agent, profile: string, limit: number) {
  const count = agent.log.imageCount(profile);
  if (!count && !agent.log.list({ profile, limit: 1 }).length) throw notFound(`images of profile ${profile}`);
  const images = agent.log
    .list({ profile, outcome: "captured", limit })
    .filter((r) => r.image && !r.purged)
    .map((r) => ({
      filename: basename(r.image!.file),
      size_bytes: r.image!.bytes,
      modified: r.captured_at,
      capture_id: r.id,
      file: r.image!.file,
      captured_at: r.captured_at,
      schedule: r.schedule,
      bytes: r.image!.bytes,
    }));
  return { profile, count, images };
}

/**
 * GET /static/<file>: pages a technician copies into `<data dir>/static/`, served as the
 * first system's Pi served its pi/static/ (focus-test.html calls this API on its own origin).
 */
export function staticPage(agent: Agent, file: string): Blob {
  const path = join(agent.env.SKYLAPSE_DATA_DIR, "static", file);
  if (!existsSync(path)) throw notFound(`static/${file} (copy the page into ${dirname(path)})`);
  return Bun.file(path);
}
