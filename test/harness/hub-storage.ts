/**
 * Where a test's hubs keep their pictures: the data dir's images/ folder, or with
 * SKYLAPSE_TEST_BACKEND=postgres+s3 a bucket of their own on the run's shared radosgw
 * (test/harness/ceph-s3.ts). Tests read a hub's pictures through `hubImage` /
 * `hubImageKeys`, never from `dataDir/images`, so they hold on either store.
 */
import { S3Client } from "bun";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { ImageStorage } from "../../hub/storage";
import { FsImageStorage } from "../../hub/storage/fs";
import { type S3Settings, S3ImageStorage } from "../../hub/storage/s3";
import { sharedCephS3 } from "./ceph-s3";
import { testStorage } from "./postgres";

/** The bucket settings of each process hub's data dir (a hub restarted on its data dir finds its pictures again). */
const buckets = new Map<string, S3Settings>();

/** The S3 settings of a new bucket on the run's radosgw. */
async function newBucket(): Promise<S3Settings> {
  const s3 = await sharedCephS3("hub");
  return { endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
}

/** The storage of a hub in this process: FsImageStorage under `dir`, or a fresh bucket under postgres+s3. */
export async function testHubStorage(dir: string): Promise<ImageStorage> {
  return testStorage() === "s3" ? new S3ImageStorage(await newBucket()) : new FsImageStorage(join(dir, "images"));
}

/** SKYLAPSE_S3_* for a hub process on `dataDir` under postgres+s3 (the same bucket for the same data dir), else nothing. */
export async function hubStorageEnv(dataDir: string): Promise<Record<string, string>> {
  if (testStorage() !== "s3") return {};
  let settings = buckets.get(dataDir);
  if (!settings) buckets.set(dataDir, (settings = await newBucket()));
  return {
    SKYLAPSE_S3_ENDPOINT: settings.endpoint,
    SKYLAPSE_S3_BUCKET: settings.bucket,
    SKYLAPSE_S3_REGION: settings.region,
    SKYLAPSE_S3_ACCESS_KEY_ID: settings.accessKeyId,
    SKYLAPSE_S3_SECRET_ACCESS_KEY: settings.secretAccessKey,
  };
}

/** Records which store a hub process on `dataDir` was started with (its final environment, a test's own S3 settings included). */
export function rememberHubStorage(dataDir: string, env: Record<string, string | undefined>): void {
  if (!env.SKYLAPSE_S3_ENDPOINT) return void buckets.delete(dataDir);
  buckets.set(dataDir, {
    endpoint: env.SKYLAPSE_S3_ENDPOINT,
    bucket: env.SKYLAPSE_S3_BUCKET!,
    region: env.SKYLAPSE_S3_REGION!,
    accessKeyId: env.SKYLAPSE_S3_ACCESS_KEY_ID!,
    secretAccessKey: env.SKYLAPSE_S3_SECRET_ACCESS_KEY!,
  });
}

/** The picture store of a hub process (started with startHub), to read or tamper with. */
export function hubStorage(hub: { dataDir: string }): ImageStorage {
  const s3 = buckets.get(hub.dataDir);
  return s3 ? new S3ImageStorage(s3) : new FsImageStorage(join(hub.dataDir, "images"));
}

/** The bytes the hub holds under `key` (e.g. imageKey(...)), or null. */
export async function hubImage(hub: { dataDir: string }, key: string): Promise<Uint8Array | null> {
  const stream = await hubStorage(hub).read(key);
  return stream ? new Uint8Array(await new Response(stream).arrayBuffer()) : null;
}

/**
 * The hub's objects whose keys start with `prefix` (e.g. "ridge/full/"), each with its
 * size; an upload in progress on S3 (a chain of chunk objects) counts as one object.
 */
export async function hubImageKeys(hub: { dataDir: string }, prefix: string): Promise<{ key: string; size: number }[]> {
  const sizes = new Map<string, number>();
  const s3 = buckets.get(hub.dataDir);
  if (s3) {
    const client = new S3Client(s3);
    let continuationToken: string | undefined;
    do {
      const page = await client.list({ prefix, continuationToken });
      for (const o of page.contents ?? []) {
        const key = o.key.split("~chunks/")[0]!;
        sizes.set(key, (sizes.get(key) ?? 0) + (o.size ?? 0));
      }
      continuationToken = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (continuationToken);
  } else {
    const root = join(hub.dataDir, "images");
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        const key = relative(root, path);
        if (e.isDirectory()) walk(path);
        else if (key.startsWith(prefix) && !e.name.startsWith(".")) sizes.set(key, statSync(path).size);
      }
    };
    // Walk from the deepest folder the prefix names; keys are matched against the whole prefix.
    walk(join(root, prefix.slice(0, prefix.lastIndexOf("/") + 1)));
  }
  return [...sizes].map(([key, size]) => ({ key, size })).sort((a, b) => a.key.localeCompare(b.key));
}
