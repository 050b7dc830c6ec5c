/**
 * The first system's backend/config.json, read as it was written: keys that
 * configured parts it had and we do not run are set aside with a note naming
 * each (nothing is dropped silently), and a schedule's list of profiles leaves
 * out the profiles marked `enabled: false`, as its scheduler did. In its own
 * form (no `cameras`: one Pi ran every schedule) a schedule without `profiles`
 * captures every enabled profile, as there; in ours it captures the camera's
 * deployed profile. Pure: no I/O.
 */

/** Top-level keys of the first system that have no place in ours, and where their job went. */
const ROOT_KEYS: Record<string, string> = {
  pi: 'the first system\'s single Pi; add it under "cameras" (host, port, "mode": "live", "api": "first_system") to drive it from the hub',
  storage: "the hub keeps pictures in SKYLAPSE_DATA_DIR; SKYLAPSE_KEEP_FULL_DAYS / SKYLAPSE_KEEP_THUMBNAILS_DAYS set retention",
  processing: "renders take fps and crf per request, or SKYLAPSE_TIMELAPSE_FPS / SKYLAPSE_TIMELAPSE_CRF for session renders",
};

const SCHEDULE_KEYS: Record<string, string> = {
  video_debug: "not run: renders carry no text overlay",
  stack_images: "not run: brackets are a profile's bracket_count / bracket_exposures",
  stack_count: "not run: brackets are a profile's bracket_count / bracket_exposures",
};

const PROFILE_KEYS: Record<string, string> = {
  video_filters: "not run: renders apply their own deflicker; other ffmpeg filters are not taken from profiles",
};

export interface FirstSystemReading {
  /** The config without the keys set aside. */
  raw: unknown;
  /** One line per key set aside or profile left out: `path: why`. */
  notes: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function setAside(obj: Record<string, unknown>, known: Record<string, string>, path: string, notes: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (key in known) notes.push(`${path}${key}: ${known[key]}`);
    else out[key] = value;
  }
  return out;
}

export function readFirstSystemKeys(raw: unknown): FirstSystemReading {
  if (!isObject(raw)) return { raw, notes: [] };
  const notes: string[] = [];
  const config = setAside(raw, ROOT_KEYS, "", notes);
  const disabled = new Set<string>();
  const enabled: string[] = [];
  if (isObject(config.profiles)) {
    const profiles: Record<string, unknown> = {};
    for (const [id, def] of Object.entries(config.profiles)) {
      profiles[id] = isObject(def) ? setAside(def, PROFILE_KEYS, `profiles.${id}.`, notes) : def;
      if (isObject(def) && def.enabled === false) disabled.add(id);
      else enabled.push(id);
    }
    config.profiles = profiles;
  }
  if (isObject(config.schedules)) {
    const schedules: Record<string, unknown> = {};
    for (const [name, rule] of Object.entries(config.schedules)) {
      if (!isObject(rule)) {
        schedules[name] = rule;
        continue;
      }
      const kept = setAside(rule, SCHEDULE_KEYS, `schedules.${name}.`, notes);
      if (!("cameras" in config) && kept.profiles === undefined && enabled.length) {
        kept.profiles = enabled;
        notes.push(`schedules.${name}.profiles: none named: every enabled profile (${enabled.join(", ")}), as the first system ran them`);
      }
      if (Array.isArray(kept.profiles) && kept.profiles.some((p) => disabled.has(p as string))) {
        const off = kept.profiles.filter((p) => disabled.has(p as string));
        notes.push(`schedules.${name}.profiles: ${off.join(", ")} left out (enabled: false)`);
        kept.profiles = kept.profiles.filter((p) => !disabled.has(p as string));
      }
      schedules[name] = kept;
    }
    config.schedules = schedules;
  }
  return { raw: config, notes };
}
