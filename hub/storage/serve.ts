import { notFound } from "../../shared/http";
import type { ImageStorage } from "./index";

/** A `Range: bytes=…` header against an object of `total` bytes: the range, none asked, or one that cannot be served (416). */
export function parseRange(header: string | null, total: number): { start: number; end: number } | null | "invalid" {
  if (!header) return null;
  const m = header.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === "" && m[2] === "")) return "invalid";
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "invalid";
    start = Math.max(0, total - suffix);
    end = total - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? total - 1 : Math.min(Number(m[2]), total - 1);
  }
  if (start >= total || start > end) return "invalid";
  return { start, end };
}

/** A stored object as an HTTP response: 200 whole, 206 for a satisfiable Range, 416 otherwise; 404 when it is gone. */
export async function storedResponse(
  storage: ImageStorage,
  key: string,
  total: number,
  rangeHeader: string | null,
  headers: Record<string, string>,
  what: string,
): Promise<Response> {
  const all = { ...headers, "accept-ranges": "bytes" };
  const range = parseRange(rangeHeader, total);
  if (range === "invalid") return new Response(null, { status: 416, headers: { ...all, "content-range": `bytes */${total}` } });
  const stream = await storage.read(key, range ?? undefined);
  if (!stream) throw notFound(what);
  if (!range) return new Response(stream, { status: 200, headers: { ...all, "content-length": String(total) } });
  return new Response(stream, {
    status: 206,
    headers: { ...all, "content-length": String(range.end - range.start + 1), "content-range": `bytes ${range.start}-${range.end}/${total}` },
  });
}
