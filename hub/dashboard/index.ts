import { Elysia } from "elysia";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import type { HubContext } from "../context";
import { sharedAssets } from "./shared-modules";

/** Where the dashboard's static files live; nothing outside it is ever served. */
export const PUBLIC_DIR = join(import.meta.dir, "public");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

/**
 * The dashboard's only script, style, image and media sources are the hub itself
 * (and blob: URLs the pages make from fetched images and videos). No inline script.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join("; ");

export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

export interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

/**
 * Every regular file under `dir` with a known type (no dot-files, no symbolic
 * links), keyed by its URL path below the dashboard ("app.js", "pages/fleet.js").
 * Built once at start: a request is answered by looking its path up here, never
 * by joining it onto a directory.
 */
export function buildAssetMap(dir: string = PUBLIC_DIR): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      if (name.startsWith(".")) continue;
      const full = join(folder, name);
      // lstat: a symbolic link (which could point anywhere) is never followed.
      const stat = lstatSync(full);
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile()) {
        const type = TYPES[extname(name).toLowerCase()];
        if (!type) continue;
        const body = new Uint8Array(readFileSync(full));
        const key = relative(dir, full).split(sep).join("/");
        files.set(key, { body, type, etag: `"${Bun.hash(body).toString(36)}"` });
      }
    }
  };
  walk(dir);
  return files;
}

function serve(file: StaticFile, request: Request): Response {
  const headers = { ...SECURITY_HEADERS, "content-type": file.type, etag: file.etag, "cache-control": "no-cache" };
  if (request.headers.get("if-none-match") === file.etag) return new Response(null, { status: 304, headers });
  return new Response(file.body, { headers });
}

function notFoundPage(): Response {
  return new Response(JSON.stringify({ error: "not_found", message: "no such dashboard file", detail: "no such dashboard file" }), {
    status: 404,
    headers: { ...SECURITY_HEADERS, "content-type": "application/json" },
  });
}

/**
 * The web dashboard: static pages under /dashboard/ (no data in them, so no
 * token), and the shared modules they import under /dashboard/shared/, `/` redirecting there. Every figure the pages show comes from the
 * operator API (/api/…) with the operator token the user logs in with.
 */
export const dashboardModule = (_ctx: HubContext, dir: string = PUBLIC_DIR) => {
  const assets = new Map([...buildAssetMap(dir), ...sharedAssets()]);
  const index = assets.get("index.html");
  return new Elysia({ name: "dashboard" })
    .get("/", ({ redirect }) => redirect("/dashboard/", 302), { detail: { hide: true } })
    // Elysia matches "/dashboard" and "/dashboard/" alike; the page uses absolute asset paths.
    .get("/dashboard/", ({ request }) => (index ? serve(index, request) : notFoundPage()), { detail: { hide: true } })
    .get(
      "/dashboard/*",
      ({ params, request }) => {
        const file = assets.get(params["*"]);
        return file ? serve(file, request) : notFoundPage();
      },
      { detail: { hide: true } },
    );
};
