import { resolve } from "node:path";
import { parseHubEnv } from "../env";
import { backup } from "./backup";
import { restore } from "./restore";

const USAGE = `usage: skylapse-hub                 serve (SKYLAPSE_* from the environment)
       skylapse-hub backup DIR      back up the data dir (SKYLAPSE_DATA_DIR) into DIR, new or empty, while the hub runs
       skylapse-hub restore DIR     restore the backup in DIR into SKYLAPSE_DATA_DIR (no hub running on it, no data in it)`;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** `skylapse-hub backup|restore DIR`: the exit status (0 done, 1 failed, 64 usage). */
export async function runDataCommand(command: string, args: string[], env: Record<string, string>, now = Date.now()): Promise<number> {
  if (command === "help" || command === "--help") {
    console.log(USAGE);
    return 0;
  }
  if ((command !== "backup" && command !== "restore") || args.length !== 1) {
    console.error(USAGE);
    return 64;
  }
  const dir = args[0]!;
  try {
    const settings = parseHubEnv(env);
    if (settings.SKYLAPSE_DATABASE_URL)
      throw new Error(
        "SKYLAPSE_DATABASE_URL is set: this backup copies a SQLite deployment (hub.sqlite and the pictures in the data dir); " +
          "on PostgreSQL back up the database with pg_dump and the pictures (data dir or bucket) with your storage's own tools",
      );
    const dataDir = settings.SKYLAPSE_DATA_DIR;
    if (command === "backup") {
      const m = backup(dataDir, dir, now);
      const bytes = m.database.bytes + m.files.reduce((n, f) => n + f.bytes, 0);
      console.log(`skylapse-hub: backed up ${resolve(dataDir)} into ${resolve(dir)}: the database and ${m.files.length} file(s), ${mib(bytes)}${m.vanished.length ? ` (${m.vanished.length} went away while copied)` : ""}`);
    } else {
      const r = restore(dir, dataDir);
      console.log(`skylapse-hub: restored ${resolve(dir)} into ${resolve(dataDir)}: ${r.files} file(s), ${mib(r.bytes)}, every sha256 checked`);
    }
    return 0;
  } catch (e) {
    console.error(`skylapse-hub: ${command}: ${(e as Error).message}`);
    return 1;
  }
}
