import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../../shared/canonical";
import { emptyCaptureRecord } from "../../shared/contracts/sync";
import { measureJpeg } from "../../shared/image/measures";
import type { ImageStore } from "../store/images";
import { jpegSize } from "../../shared/image/jpeg";
import type { NewCaptureRecord } from "./log";

const IMAGE_PATH = /^(\d{4}-\d{2}-\d{2})\/([\w-]+)\/([\w-]+)\/(?:tests\/([\w.-]+)\/)?(\d{8}T\d{6}(?:\.\d{3})?Z)(?:_(baseline|variant))?\.jpg$/;

function plannedAtOf(stamp: string): string {
  const ms = stamp.length > 16 ? stamp.slice(15, 19) : ".000";
  return `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}${ms}Z`;
}

/**
 * Capture records rebuilt from the images on disk after the database was lost:
 * what the path and the file itself tell (time, schedule, profile, size, hash).
 * Settings and exposure are gone with the database. Oldest first.
 */
export function recoverFromImages(images: ImageStore, bootId: string): NewCaptureRecord[] {
  const files: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), r);
      else if (IMAGE_PATH.test(r)) files.push(r);
    }
  };
  walk(images.root, "");
  const records: NewCaptureRecord[] = [];
  for (const file of files) {
    const [, , schedule, profile, testId, stamp, role] = file.match(IMAGE_PATH)!;
    const bytes = readFileSync(images.pathOf(file));
    const size = jpegSize(bytes);
    if (!size) continue;
    const plannedAt = plannedAtOf(stamp!);
    records.push({
      // A safety capture's file is named by the untrusted clock it was taken on: its time is not established.
      ...emptyCaptureRecord({ id: Bun.randomUUIDv7(), planned_at: plannedAt, schedule: schedule!, profile_id: profile!, boot_id: bootId, clock_trusted: schedule !== "clock_untrusted" }),
      captured_at: plannedAt,
      outcome: "captured",
      reason: "recovered from its image after the agent's database was lost",
      recovered: true,
      image: { file, bytes: bytes.byteLength, sha256: sha256(bytes), ...size, frames: images.filesOf(file).length },
      measures: measureJpeg(bytes),
      test_id: testId ?? null,
      test_role: testId ? ((role as "baseline" | "variant" | undefined) ?? "variant") : null,
    });
  }
  markBaselines(records);
  return records.sort((a, b) => a.planned_at.localeCompare(b.planned_at) || a.profile_id.localeCompare(b.profile_id));
}

/**
 * An A/B baseline is the production frame, filed with the others; its variant,
 * taken at once after it, sits in tests/ID/ under the same stamp. So a variant
 * tells which production frame was its baseline, and that frame keeps its test id.
 */
function markBaselines(records: NewCaptureRecord[]): void {
  const production = new Map(records.filter((r) => !r.test_id).map((r) => [r.image!.file, r]));
  for (const variant of records.filter((r) => r.test_role === "variant")) {
    const match = variant.image!.file.match(IMAGE_PATH)!;
    const [, date, schedule, profile, , stamp] = match;
    const baseline = production.get(`${date}/${schedule}/${profile}/${stamp}.jpg`);
    if (baseline) Object.assign(baseline, { test_id: variant.test_id, test_role: "baseline" as const });
  }
}
