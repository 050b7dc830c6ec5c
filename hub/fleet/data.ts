/**
 * What the fleet summary reads per camera, for a slice of cameras at once: one
 * statement each instead of one per camera, every camera's part still a walk of
 * its own index (cameras drive the join, so no table is scanned whole).
 *
 * The window reads are written twice. SQLite's planner runs the window's cutoff
 * once per camera. PostgreSQL's pulls the correlated cutoff into the join and
 * evaluates it once per record of the slice: 12,000 index walks of 100 entries
 * for 100 cameras of 120 records, 180–230 ms a slice. Under its own statistics
 * it may also hash-join a whole scan of captures. So on PostgreSQL each camera
 * of the slice drives a LATERAL walk of its own index that stops after its
 * window (FETCH FIRST … WITH TIES is the window: the newest `limit` and any tied
 * with the last): 4–6 ms a slice.
 */
import { and, type AnyColumn, count, desc, eq, gte, inArray, isNotNull, isNull, or, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { type HubDb, isPostgres } from "../db/client";
import { pgArray } from "../db/pg-arrays";
import { productionCapture } from "../db/captures";
import { cameras, captureImages, captures } from "../db/schema";
import type { ExposureFrame } from "../quality/compute";
import { exposureFrameColumns } from "../quality/data";
import type { LatestPicture } from "./compute";

/** Every camera (or the one named) as the fleet summary starts from. */
export function fleetCameraRows(db: HubDb, cameraId?: string) {
  return db
    .select({ id: cameras.id, createdAt: cameras.createdAt, lastContactAt: cameras.lastContactAt, observed: cameras.observed, config: cameras.config })
    .from(cameras)
    .where(cameraId === undefined ? undefined : eq(cameras.id, cameraId));
}

/** Records of the camera from the planned time of its limit-th newest on: its quality window (with any tied at that time). */
function inWindow(db: HubDb, limit: number) {
  const older = alias(captures, "older");
  const cutoff = db.select({ at: older.plannedAt }).from(older).where(eq(older.cameraId, cameras.id)).orderBy(desc(older.plannedAt)).limit(1).offset(limit - 1);
  return and(eq(captures.cameraId, cameras.id), gte(captures.plannedAt, sql`coalesce((${cutoff}), ${Number.MIN_SAFE_INTEGER})`));
}

/** A record the window holds; a failure's id too (it can be replaced in place: hub/live). */
export type WindowFrame = ExposureFrame & { failureId: string | null };

const frameColumns = { id: captures.id, cameraId: captures.cameraId, ...exposureFrameColumns };

/** The few strings every record repeats (outcome, profile, role, reason code), one copy each: the fleet keeps windows in memory. */
const vocabulary = new Map<string, string>();
const shared = <T extends string | null>(s: T): T => (s === null ? s : ((vocabulary.get(s) ?? (vocabulary.set(s, s), s)) as T));

type FrameRow = Omit<ExposureFrame, "outcome"> & { id: string; cameraId: string; outcome: string };

/** Rows by camera, newest first; records tied in planned time stay in the order the index gave them. */
function byCamera(ids: string[], rows: FrameRow[]) {
  const out = new Map<string, WindowFrame[]>(ids.map((id) => [id, []]));
  for (const r of rows)
    out.get(r.cameraId)!.push({
      plannedAt: r.plannedAt,
      capturedAt: r.capturedAt,
      profileId: shared(r.profileId),
      outcome: shared(r.outcome) as ExposureFrame["outcome"],
      testRole: shared(r.testRole),
      meanLuma: r.meanLuma,
      clippedPct: r.clippedPct,
      crushedPct: r.crushedPct,
      reasonCode: shared(r.reasonCode ?? null),
      reason: r.reason,
      failureId: r.outcome === "failed" ? r.id : null,
    });
  for (const frames of out.values()) frames.sort((a, b) => b.plannedAt - a.plannedAt);
  return out;
}

/**
 * Each camera's newest `limit` records and any tied with the oldest of them, newest
 * first (cameraExposure reads one camera's newest `limit`), by camera id.
 */
export async function windowsOf(db: HubDb, ids: string[], limit: number): Promise<Map<string, WindowFrame[]>> {
  const rows = isPostgres(db)
    ? await db.select(standInFrameColumns).from(pgWindows(ids, limit))
    : await db.select(frameColumns).from(cameras).innerJoin(captures, inWindow(db, limit)).where(inArray(cameras.id, ids));
  return byCamera(ids, rows);
}

/** `columns` read from rows that stand in for their table (drizzle refuses a column whose table the query does not name). */
function standIn<T extends Record<string, AnyColumn>>(columns: T) {
  return Object.fromEntries(Object.entries(columns).map(([k, c]) => [k, sql`${c}`.mapWith(c)])) as {
    [K in keyof T]: SQL<T[K]["_"]["data"] | (T[K]["_"]["notNull"] extends true ? never : null)>;
  };
}
const standInFrameColumns = standIn(frameColumns);

/** PostgreSQL: each camera's window, a walk of its index that stops there; its rows stand in for `captures`. */
const pgWindows = (ids: string[], limit: number) =>
  sql`unnest(${pgArray(ids, "text")}) AS slice(id) CROSS JOIN LATERAL (SELECT * FROM ${captures} WHERE ${captures.cameraId} = slice.id ORDER BY ${captures.plannedAt} DESC FETCH FIRST (${limit}) ROWS WITH TIES) AS ${captures}`;

/**
 * PostgreSQL: each camera's records planned at or after its time, its rows standing in for `captures`. The
 * ORDER BY keeps the planner from flattening the LATERAL into a join it would run as a hash join over a
 * whole scan of captures (96 ms a slice at 3,000 cameras of 120 records, 7.5 ms with it).
 */
const pgRecordsFrom = (from: Map<string, number>) =>
  sql`unnest(${pgArray([...from.keys()], "text")}, ${pgArray([...from.values()], "bigint")}) AS slice(id, from_at) CROSS JOIN LATERAL (SELECT * FROM ${captures} WHERE ${captures.cameraId} = slice.id AND ${captures.plannedAt} >= slice.from_at ORDER BY ${captures.plannedAt} DESC) AS ${captures}`;

/** Each camera's records planned at or after its time in `from` (its newest since a window was read), newest first, by camera id. */
export async function recordsFrom(db: HubDb, from: Map<string, number>): Promise<Map<string, WindowFrame[]>> {
  if (!from.size) return new Map();
  const rows = isPostgres(db)
    ? await db.select(standInFrameColumns).from(pgRecordsFrom(from))
    : await db.select(frameColumns).from(captures).where(or(...[...from].map(([id, at]) => and(eq(captures.cameraId, id), gte(captures.plannedAt, at)))));
  return byCamera([...from.keys()], rows);
}

/**
 * Each camera's window at a glance, from the index alone (no record read): how many
 * records and the sum of their planned times. A record added to the window changes
 * it (it adds one, or takes the place of an older one); one older than the window
 * does not. Cameras without records are absent.
 */
export async function windowKeysOf(db: HubDb, ids: string[], limit: number): Promise<Map<string, string>> {
  const rows = isPostgres(db)
    ? await db
        .select({ ...standIn({ cameraId: captures.cameraId }), records: count(), planned: sql<string>`sum(${captures.plannedAt})` })
        .from(pgWindows(ids, limit))
        .groupBy(captures.cameraId)
    : await db
        .select({ cameraId: cameras.id, records: count(), planned: sql<string>`sum(${captures.plannedAt})` })
        .from(cameras)
        .innerJoin(captures, inWindow(db, limit))
        .where(inArray(cameras.id, ids))
        .groupBy(cameras.id);
  return new Map(rows.map((r) => [r.cameraId, `${r.records}:${r.planned}`]));
}

/** Which of these records are still held under their ids. */
export async function heldCaptureIds(db: HubDb, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  return new Set((await db.select({ id: captures.id }).from(captures).where(inArray(captures.id, ids))).map((r) => r.id));
}

/** Each camera's newest production capture whose thumbnail the hub holds (an A/B variant is not one), by camera id. */
export async function latestPicturesOf(db: HubDb, ids: string[]): Promise<Map<string, LatestPicture>> {
  const newer = alias(captureImages, "newer");
  const newest = db
    .select({ id: newer.captureId })
    .from(newer)
    .innerJoin(captures, eq(captures.id, newer.captureId))
    .where(and(eq(newer.cameraId, cameras.id), isNotNull(newer.thumbnailAt), isNull(newer.thumbnailPurgedAt), productionCapture))
    .orderBy(desc(newer.plannedAt))
    .limit(1);
  const rows = await db
    .select({ cameraId: cameras.id, id: captureImages.captureId, plannedAt: captureImages.plannedAt })
    .from(cameras)
    .innerJoin(captureImages, eq(captureImages.captureId, sql`(${newest})`))
    .where(inArray(cameras.id, ids));
  return new Map(rows.map((r) => [r.cameraId, { capture_id: r.id, planned_at: new Date(r.plannedAt).toISOString() }]));
}
