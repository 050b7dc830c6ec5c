import { canonicalJson } from "../../shared/canonical";

export interface ConfigChange {
  /** `cameras.valley.deployed_profile`, `profiles.f`, `schedules.sunset`, `location`. */
  path: string;
  action: "add" | "remove" | "change";
  from?: unknown;
  to?: unknown;
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/**
 * What applying `next` over `current` changes, section by section and key by key
 * (both in our normalized form, so the seed's form and ours compare equal).
 * Empty when the file matches the hub: applying it again changes nothing.
 * Schedules, profiles and cameras `next` leaves out are removals with `prune`,
 * and otherwise `kept` (their paths).
 */
export function configDiff(current: Record<string, unknown>, next: Record<string, unknown>, prune: boolean): { changes: ConfigChange[]; kept: string[] } {
  const changes: ConfigChange[] = [];
  const kept: string[] = [];
  for (const section of ["location", "sync", "quality"]) {
    if (!same(current[section], next[section])) changes.push({ path: section, action: "change", from: current[section], to: next[section] });
  }
  for (const section of ["schedules", "profiles", "cameras"]) {
    const a = (current[section] ?? {}) as Record<string, unknown>;
    const b = (next[section] ?? {}) as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const path = `${section}.${key}`;
      if (!(key in a)) changes.push({ path, action: "add", to: b[key] });
      else if (!(key in b)) {
        if (prune) changes.push({ path, action: "remove", from: a[key] });
        else kept.push(path);
      }
      else if (!same(a[key], b[key])) {
        const fa = a[key] as Record<string, unknown>;
        const fb = b[key] as Record<string, unknown>;
        for (const field of [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort()) {
          if (!same(fa[field], fb[field])) changes.push({ path: `${path}.${field}`, action: "change", from: fa[field], to: fb[field] });
        }
      }
    }
  }
  return { changes, kept };
}
