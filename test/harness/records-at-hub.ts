/**
 * What the fault tests on PostgreSQL + S3 (replica-chaos, rolling-upgrade) check
 * at the end: each agent's log against the hub's captures table (every record
 * there once, nothing else) and its full images in the bucket (whole: the bytes
 * the agent hashed), with their thumbnails when asked.
 */
import { expect } from "bun:test";
import type { S3Client } from "bun";
import type { CaptureRecord } from "../../shared/contracts/sync";
import { imageKey } from "../../hub/storage";
import { type AgentRow, agentLog, duplicates } from "./agent-db";

export interface AgentLog {
  cameraId: string;
  rows: AgentRow[];
}

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

export function agentLogs(agents: { cameraId: string; dataDir: string }[]): AgentLog[] {
  return agents.map((a) => ({ cameraId: a.cameraId, rows: agentLog(a.dataDir) }));
}

/** Every record of the logs at the hub once (by id, and one per camera and tick), and no other; returns the records. */
export function expectEachRecordOnce(hubRows: { id: string; camera_id: string; tick_key: string }[], logs: AgentLog[]): CaptureRecord[] {
  const hubIds = new Set(hubRows.map((r) => r.id));
  const records = logs.flatMap((l) => l.rows.map((r) => r.record));
  expect(duplicates(hubRows.map((r) => `${r.camera_id}|${r.tick_key}`))).toEqual([]);
  expect(records.filter((r) => !hubIds.has(r.id)).map((r) => r.id)).toEqual([]);
  expect(hubRows.length).toBe(records.length);
  return records;
}

/** The logs' captured full images in the bucket, 16 at a time: how many were checked, and what is missing or differs. */
export async function imagesInBucket(bucket: S3Client, logs: AgentLog[], options: { thumbnails?: boolean } = {}): Promise<{ checked: number; bad: string[] }> {
  const withImage = logs.flatMap((l) => l.rows.filter((r) => r.record.outcome === "captured" && r.record.image).map((r) => ({ cameraId: l.cameraId, record: r.record })));
  const bad: string[] = [];
  for (let k = 0; k < withImage.length; k += 16)
    await Promise.all(
      withImage.slice(k, k + 16).map(async ({ cameraId, record }) => {
        const full = bucket.file(imageKey(cameraId, record.id, "full"));
        const bytes = (await full.exists()) ? new Uint8Array(await full.arrayBuffer()) : null;
        if (!bytes) bad.push(`${cameraId}/${record.id}: missing`);
        else if (sha256(bytes) !== record.image!.sha256) bad.push(`${cameraId}/${record.id}: ${bytes.length} of ${record.image!.bytes} bytes, sha256 differs`);
        if (options.thumbnails && !(await bucket.file(imageKey(cameraId, record.id, "thumbnail")).exists())) bad.push(`${cameraId}/${record.id}: no thumbnail`);
      }),
    );
  return { checked: withImage.length, bad };
}
