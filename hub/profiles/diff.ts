/** What changed between two compiled snapshots of a profile (pure). */
import type { ProfileSnapshot } from "../../shared/contracts/profile";
import { canonicalJson } from "../../shared/canonical";

export interface Change {
  /** `base.ev`, `base.white_balance.mode`, `wb_table[3]`, `schedule_overrides.sunrise.ev`. */
  path: string;
  /** null where the field is absent on that side. */
  from: unknown;
  to: unknown;
}

/** Tables compare row by row: a row is `[lux, value]`. */
const TABLES = new Set(["wb_table", "ev_table"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function diffValue(path: string, a: unknown, b: unknown, out: Change[]): void {
  if (same(a, b)) return;
  // A side without the object (a schedule override added or removed) compares as empty, field by field.
  if ((isObject(a) || a === undefined) && (isObject(b) || b === undefined)) {
    const ao = (a ?? {}) as Record<string, unknown>;
    const bo = (b ?? {}) as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) diffValue(path ? `${path}.${key}` : key, ao[key], bo[key], out);
    return;
  }
  if (TABLES.has(path) && Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (!same(a[i], b[i])) out.push({ path: `${path}[${i}]`, from: a[i] ?? null, to: b[i] ?? null });
    }
    return;
  }
  out.push({ path, from: a ?? null, to: b ?? null });
}

/**
 * Field by field over two compiled snapshots: settings and schedule overrides by
 * field, lux tables by row, a table switched on or off as a whole. Version and
 * checksum are not content and are not listed.
 */
export function diffSnapshots(from: ProfileSnapshot, to: ProfileSnapshot): Change[] {
  const strip = ({ version: _v, checksum: _c, ...content }: ProfileSnapshot) => content;
  const out: Change[] = [];
  diffValue("", strip(from), strip(to), out);
  return out;
}
