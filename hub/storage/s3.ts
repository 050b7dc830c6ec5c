import { S3Client } from "bun";
import { rmSync } from "node:fs";
import { type ImageStorage, KEY_SHAPE, OffsetMismatch } from "./index";

export interface S3Settings {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** S3 parts are at least 5 MiB except the last; bigger objects go up in parts of this size. */
const PART_BYTES = 8 * 1024 * 1024;
/** Chunk objects sit beside their key, named by the offset they start at (`~` is outside every key's shape). */
const CHUNKS = "~chunks/";
const OFFSET_DIGITS = 15;

interface Piece {
  key: string;
  start: number;
  size: number;
}

/**
 * The pieces an object is made of, in order: the whole object (if any) and then the
 * chain of appended chunks, each starting where the one before ends. A chunk off that
 * chain (a racing writer's leftover) is not part of the object.
 */
export function assemble(key: string, listed: { key: string; size: number }[]): Piece[] | null {
  const base = listed.find((o) => o.key === key);
  const chunks = new Map<number, { key: string; size: number }>();
  for (const o of listed) {
    if (!o.key.startsWith(key + CHUNKS)) continue;
    const offset = Number(o.key.slice(key.length + CHUNKS.length));
    if (Number.isSafeInteger(offset) && o.size > 0) chunks.set(offset, o);
  }
  if (!base && !chunks.has(0)) return null;
  const pieces: Piece[] = base ? [{ key, start: 0, size: base.size }] : [];
  let at = base?.size ?? 0;
  for (let next = chunks.get(at); next; next = chunks.get(at)) {
    pieces.push({ key: next.key, start: at, size: next.size });
    at += next.size;
  }
  return pieces;
}

const totalOf = (pieces: Piece[]) => pieces.reduce((n, p) => n + p.size, 0);

/**
 * Image storage in an S3-compatible bucket (Bun's built-in client), under the same keys
 * as the filesystem store. S3 cannot append, so an upload in progress is a chain of
 * chunk objects, KEY~chunks/OFFSET, one per append, which every replica sees; `move`
 * streams the chain into the final object as a multipart upload and removes the chunks.
 * Calls on one key are serialised within this process (as the filesystem store's are);
 * across processes a chunk is created only if its offset is free (a conditional PUT),
 * so of two appends at one offset exactly one lands, whichever replica sent it.
 */
export class S3ImageStorage implements ImageStorage {
  private readonly client: S3Client;
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly settings: S3Settings) {
    this.client = new S3Client(settings);
  }

  /** Throws, naming the bucket, when it cannot be listed (missing, wrong credentials, unreachable). */
  async verify(): Promise<void> {
    try {
      await this.client.list({ maxKeys: 1 });
    } catch (e) {
      const err = e as Error & { code?: string };
      // Some servers put the whole XML error body in the message: the code says it.
      const why = err.code && err.message?.startsWith("<") ? err.code : [err.code, err.message].filter(Boolean).join(": ");
      throw new Error(`cannot use bucket ${this.settings.bucket} at ${this.settings.endpoint}: ${why}`);
    }
  }

  private check(key: string): string {
    if (!KEY_SHAPE.test(key)) throw new Error(`not an image key: ${key}`);
    return key;
  }

  private serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(key) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => {});
    this.tails.set(key, tail);
    tail.then(() => this.tails.get(key) === tail && this.tails.delete(key));
    return run;
  }

  /** The object itself and its chunks, as the bucket lists them (one LIST for an object of under 1000 pieces). */
  private async listed(key: string): Promise<{ key: string; size: number }[]> {
    const found: { key: string; size: number }[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client.list({ prefix: key, continuationToken });
      for (const o of page.contents ?? []) if (o.key === key || o.key.startsWith(key + CHUNKS)) found.push({ key: o.key, size: o.size ?? 0 });
      continuationToken = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (continuationToken);
    return found;
  }

  private async pieces(key: string): Promise<Piece[] | null> {
    return assemble(key, await this.listed(key));
  }

  private async removeAll(key: string): Promise<void> {
    const listed = await this.listed(key);
    await Promise.all(listed.map((o) => this.client.delete(o.key)));
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.check(key);
    await this.serial(key, async () => {
      await this.removeChunks(key);
      await this.client.write(key, bytes);
    });
  }

  private async removeChunks(key: string): Promise<void> {
    const listed = await this.listed(key);
    await Promise.all(listed.filter((o) => o.key !== key).map((o) => this.client.delete(o.key)));
  }

  async append(key: string, offset: number, bytes: Uint8Array): Promise<number> {
    this.check(key);
    return this.serial(key, async () => {
      const pieces = await this.pieces(key);
      const current = pieces ? totalOf(pieces) : 0;
      if (offset !== current) throw new OffsetMismatch(current);
      if (!bytes.length) {
        // An empty first append still creates the object, as on a filesystem.
        if (!pieces) await this.client.write(key, bytes);
        return current;
      }
      if (!(await this.createOnly(`${key}${CHUNKS}${String(offset).padStart(OFFSET_DIGITS, "0")}`, bytes))) {
        // Another process appended at this offset first: its chunk stands, this one is refused.
        const now = await this.pieces(key);
        throw new OffsetMismatch(now ? totalOf(now) : 0);
      }
      return current + bytes.length;
    });
  }

  /**
   * Writes an object only if nothing is stored under its key (a conditional PUT,
   * `If-None-Match: *`, which Bun's client cannot send itself, so through a presigned URL).
   */
  private async createOnly(key: string, bytes: Uint8Array): Promise<boolean> {
    const url = this.client.presign(key, { method: "PUT", expiresIn: 300 });
    const res = await fetch(url, { method: "PUT", body: bytes as unknown as BodyInit, headers: { "if-none-match": "*" } });
    if (res.status === 412) return false;
    if (!res.ok) throw new Error(`PUT ${key}: ${res.status} ${(await res.text()).slice(0, 300)}`);
    return true;
  }

  async size(key: string): Promise<number | null> {
    const pieces = await this.pieces(this.check(key));
    return pieces ? totalOf(pieces) : null;
  }

  async read(key: string, range?: { start: number; end: number }): Promise<ReadableStream<Uint8Array> | null> {
    const pieces = await this.pieces(this.check(key));
    if (!pieces) return null;
    const start = range?.start ?? 0;
    const end = range ? range.end + 1 : totalOf(pieces);
    const wanted = pieces.filter((p) => p.start < end && p.start + p.size > start);
    if (wanted.length === 1) return this.slice(wanted[0]!, start, end);
    const self = this;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const piece = wanted.shift();
        if (!piece) return controller.close();
        for await (const chunk of self.slice(piece, start, end)) controller.enqueue(chunk);
      },
    });
  }

  /** The part of one piece that falls within [start, end) of the object, as a Range GET. */
  private slice(piece: Piece, start: number, end: number): ReadableStream<Uint8Array> {
    const from = Math.max(start, piece.start) - piece.start;
    const to = Math.min(end, piece.start + piece.size) - piece.start;
    const file = this.client.file(piece.key);
    return (from === 0 && to === piece.size ? file : file.slice(from, to)).stream();
  }

  async move(from: string, to: string): Promise<void> {
    this.check(to);
    await this.serial(this.check(from), async () => {
      const pieces = await this.pieces(from);
      if (!pieces) throw new Error(`nothing stored under ${from}`);
      const self = this;
      async function* bytes() {
        for (const p of pieces!) yield* self.slice(p, p.start, p.start + p.size);
      }
      await this.upload(to, bytes(), totalOf(pieces));
      await this.removeAll(from);
    });
  }

  /** Writes a stream of known length: one PUT when small, else a multipart upload with parts of PART_BYTES. */
  private async upload(key: string, chunks: AsyncIterable<Uint8Array>, total: number): Promise<void> {
    await this.removeChunks(key);
    if (total <= PART_BYTES) {
      const parts: Uint8Array[] = [];
      for await (const c of chunks) parts.push(c);
      await this.client.write(key, Buffer.concat(parts));
      return;
    }
    const writer = this.client.file(key).writer({ partSize: PART_BYTES, queueSize: 2, retry: 3 });
    try {
      for await (const c of chunks) await writer.write(c);
    } catch (e) {
      await writer.end(e as Error);
      throw e;
    }
    await writer.end();
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    await this.serial(key, () => this.removeAll(key));
  }

  async putFile(key: string, path: string): Promise<void> {
    this.check(key);
    const file = Bun.file(path);
    await this.serial(key, () => this.upload(key, file.stream(), file.size));
    rmSync(path, { force: true });
  }

  localPath(key: string): string | null {
    this.check(key);
    return null;
  }
}
