import { z } from "zod";

/** A backup of a SQLite deployment's data dir: what it holds, each file's size and sha256. */
export const BACKUP_FORMAT = "skylapse-hub-backup";

export const BackupFile = z.object({ path: z.string(), bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict();
export type BackupFile = z.infer<typeof BackupFile>;

export const Manifest = z
  .object({
    format: z.literal(BACKUP_FORMAT),
    version: z.literal(1),
    created_at: z.string(),
    /** The data dir it was taken from. */
    source: z.string(),
    /** The database snapshot (hub.sqlite), then the files beside it (operator-token, images/…). */
    database: BackupFile,
    files: z.array(BackupFile),
    /** Files that went away while the backup was taken (removed by retention, or an upload finished and renamed). */
    vanished: z.array(z.string()),
  })
  .strict();
export type Manifest = z.infer<typeof Manifest>;

/** A path from a manifest, relative and inside its folder: nothing absolute, no `..`. */
export function safeRelativePath(path: string): boolean {
  return path.length > 0 && !path.startsWith("/") && !path.split("/").some((p) => p === ".." || p === "." || p === "");
}

/** What in the backup does not match its manifest (empty: it is whole). */
export function mismatches(expected: readonly BackupFile[], found: ReadonlyMap<string, { bytes: number; sha256: string } | null>): string[] {
  const out: string[] = [];
  for (const f of expected) {
    const got = found.get(f.path);
    if (!got) out.push(`${f.path}: missing`);
    else if (got.bytes !== f.bytes) out.push(`${f.path}: ${got.bytes} bytes, the manifest says ${f.bytes}`);
    else if (got.sha256 !== f.sha256) out.push(`${f.path}: sha256 ${got.sha256}, the manifest says ${f.sha256}`);
  }
  return out;
}
