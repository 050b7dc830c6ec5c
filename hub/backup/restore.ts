import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fsyncDir } from "../../shared/durable-file";
import { lockDuties } from "../roles";
import { DATABASE, IMAGES, MANIFEST, TOKEN_FILE } from "./backup";
import { copyHashed, hashFile } from "./files";
import { type BackupFile, Manifest, mismatches, safeRelativePath } from "./manifest";
import { integrityCheck } from "./sqlite";

export function readManifest(dir: string): Manifest {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST), "utf8");
  } catch {
    throw new Error(`${resolve(dir)} holds no ${MANIFEST}: not a finished hub backup`);
  }
  const parsed = Manifest.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${resolve(dir, MANIFEST)} is not a hub backup's manifest: ${parsed.error.issues[0]?.message}`);
  const m = parsed.data;
  const allowed = (p: string) => p === TOKEN_FILE || p.startsWith(`${IMAGES}/`);
  const bad = m.files.find((f) => !safeRelativePath(f.path) || !allowed(f.path));
  if (m.database.path !== DATABASE || bad) throw new Error(`${resolve(dir, MANIFEST)} names a file outside a data dir's shape: ${bad?.path ?? m.database.path}`);
  return m;
}

/** Checks every file of the backup against its manifest; throws naming what does not match. */
export function verifyBackup(dir: string, manifest: Manifest): void {
  const all: BackupFile[] = [manifest.database, ...manifest.files];
  const found = new Map(all.map((f) => [f.path, hashFile(join(dir, f.path))]));
  const wrong = mismatches(all, found);
  if (wrong.length) throw new Error(`the backup in ${resolve(dir)} is damaged (${wrong.length} file(s)): ${wrong.slice(0, 5).join("; ")}${wrong.length > 5 ? "; …" : ""}`);
}

/** Whether the data dir already holds a hub's data (restore never overwrites it). */
function holdsData(dataDir: string): string | null {
  for (const name of [DATABASE, `${DATABASE}-wal`, TOKEN_FILE]) if (existsSync(join(dataDir, name))) return name;
  if (existsSync(join(dataDir, IMAGES)) && readdirSync(join(dataDir, IMAGES)).length) return `${IMAGES}/`;
  return null;
}

/**
 * Restores a backup into a data dir no hub runs on and that holds no hub data yet:
 * verifies every file against the manifest, copies into a staging folder inside the
 * data dir (verified again as copied), checks the database's integrity, then moves
 * everything into place. The duty locks are held throughout, so no hub starts on a
 * half-restored data dir.
 */
export function restore(dir: string, dataDir: string): { files: number; bytes: number } {
  const manifest = readManifest(dir);
  verifyBackup(dir, manifest);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let lock: { close: () => void };
  try {
    lock = lockDuties(dataDir, "all");
  } catch (e) {
    throw new Error(`refusing to restore into ${resolve(dataDir)}: a hub is running on it — ${(e as Error).message}`);
  }
  const staging = join(dataDir, `.restore-${process.pid}`);
  try {
    const existing = holdsData(dataDir);
    if (existing) throw new Error(`refusing to restore into ${resolve(dataDir)}: it already holds a hub's data (${existing}); restore into a new or empty data dir, or move that data away first`);
    rmSync(staging, { recursive: true, force: true });
    let bytes = 0;
    for (const f of [manifest.database, ...manifest.files]) {
      const copied = copyHashed(join(dir, f.path), join(staging, f.path));
      if (!copied || copied.sha256 !== f.sha256) throw new Error(`${f.path} changed while it was restored`);
      bytes += copied.bytes;
    }
    const integrity = integrityCheck(join(staging, DATABASE));
    if (integrity !== "ok") throw new Error(`the restored database fails SQLite's integrity check: ${integrity}`);
    for (const name of [DATABASE, TOKEN_FILE, IMAGES]) if (existsSync(join(staging, name))) renameSync(join(staging, name), join(dataDir, name));
    fsyncDir(dataDir);
    return { files: manifest.files.length + 1, bytes };
  } finally {
    rmSync(staging, { recursive: true, force: true });
    lock.close();
  }
}
