import { chmodSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { durableWrite, TEMP_PREFIX } from "../../shared/durable-file";
import { copyHashed, filesUnder, hashFile } from "./files";
import { BACKUP_FORMAT, type BackupFile, type Manifest } from "./manifest";
import { snapshotDatabase } from "./sqlite";

export const MANIFEST = "manifest.json";
export const DATABASE = "hub.sqlite";
/** Beside the database: the generated operator token (when the hub made one) and the picture store. */
export const TOKEN_FILE = "operator-token";
export const IMAGES = "images";

/** Readiness probes' objects and interrupted writes' temp files are not data. */
const notData = (rel: string) => rel === "probes" || rel.split("/").at(-1)!.startsWith(TEMP_PREFIX);

/**
 * Backs up a SQLite deployment's data dir into `dir` (new or empty) while the hub
 * runs: first a consistent snapshot of the database (VACUUM INTO, one read
 * transaction: writers go on), then the token file and the pictures and videos.
 * Pictures that arrive after the snapshot are copied too (the database does not
 * know them: harmless); the manifest, written last, names every file with its sha256.
 */
export function backup(dataDir: string, dir: string, now: number): Manifest {
  const databasePath = join(dataDir, DATABASE);
  if (!existsSync(databasePath)) throw new Error(`no hub database at ${resolve(databasePath)}: is SKYLAPSE_DATA_DIR the hub's?`);
  if (existsSync(dir) && readdirSync(dir).length) throw new Error(`${resolve(dir)} is not empty: back up into a new or empty folder`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  snapshotDatabase(databasePath, join(dir, DATABASE));
  // Camera tokens are stored hashed, but the rest is the deployment's: the backup is its owner's alone.
  chmodSync(join(dir, DATABASE), 0o600);
  const database = { path: DATABASE, ...hashFile(join(dir, DATABASE))! };

  const files: BackupFile[] = [];
  const vanished: string[] = [];
  const copy = (rel: string) => {
    const copied = copyHashed(join(dataDir, rel), join(dir, rel));
    if (copied) files.push({ path: rel, ...copied });
    else vanished.push(rel);
  };
  if (existsSync(join(dataDir, TOKEN_FILE))) copy(TOKEN_FILE);
  for (const rel of filesUnder(join(dataDir, IMAGES), notData)) copy(`${IMAGES}/${rel}`);

  const manifest: Manifest = { format: BACKUP_FORMAT, version: 1, created_at: new Date(now).toISOString(), source: resolve(dataDir), database, files, vanished };
  durableWrite(join(dir, MANIFEST), JSON.stringify(manifest, null, 1) + "\n", 0o600);
  return manifest;
}
