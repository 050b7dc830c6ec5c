// The operator API, with the token the user signed in with (kept in sessionStorage for this tab's session).

const KEY = "skylapse.token";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
  /** The API's 422 issues: [{path, message}]. */
  get issues() {
    return Array.isArray(this.body?.issues) ? this.body.issues : [];
  }
}

let unauthorizedHandler = () => undefined;

export const session = {
  get token() {
    return sessionStorage.getItem(KEY);
  },
  set(token) {
    sessionStorage.setItem(KEY, token);
  },
  clear() {
    sessionStorage.removeItem(KEY);
    clearBlobCache();
  },
  /** Called when any call answers 401: the token is no longer good. */
  onUnauthorized(fn) {
    unauthorizedHandler = fn;
  },
};

async function request(path, { method = "GET", body, token = session.token, signal } = {}) {
  // Signed out (a page's last refresh may still be running): nothing goes to the hub.
  if (!token) throw new ApiError(401, { error: "unauthorized", message: "not signed in" });
  const headers = { accept: "application/json", authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: "no-store" });
  if (res.status === 401 && token === session.token) {
    session.clear();
    unauthorizedHandler();
  }
  return res;
}

/** JSON from the API; an ApiError for any non-2xx answer. */
export async function api(path, options = {}) {
  const res = await request(path, options);
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { message: text };
  }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

/** Whether a token opens the API (GET /api/fleet), without touching the session. */
export async function checkToken(token) {
  const res = await fetch("/api/fleet", { headers: { authorization: `Bearer ${token}` }, cache: "no-store" });
  if (res.ok) return true;
  if (res.status === 401) return false;
  throw new ApiError(res.status, await res.json().catch(() => null));
}

/** Query string from an object, leaving out empty values. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : "";
}

export const enc = encodeURIComponent;

// Pictures and videos need the token too: fetched with the header, shown through blob: URLs,
// so the token never appears in a URL. Small pictures are kept (by URL) for the session.
const blobCache = new Map();
const MAX_CACHED = 300;

// URLs given back: no element is pointed at one any more, and the blob itself is released a little
// later, so a picture still loading from it finishes (else the browser logs a load error).
const revoked = new Set();
const RELEASE_AFTER_MS = 10_000;
export const revoke = (url) => {
  if (!url) return;
  revoked.add(url);
  setTimeout(() => URL.revokeObjectURL(url), RELEASE_AFTER_MS);
};

/** Still usable: not revoked since it was made. */
export const isLive = (url) => Boolean(url) && !revoked.has(url);

function clearBlobCache() {
  for (const entry of blobCache.values()) entry.then(revoke).catch(() => undefined);
  blobCache.clear();
}

/** A blob: URL for an API resource, or null when the API has none (404). Cached unless `cache: false`. */
export function blobUrl(path, { cache = true } = {}) {
  if (cache && blobCache.has(path)) {
    const hit = blobCache.get(path);
    blobCache.delete(path);
    blobCache.set(path, hit);
    return hit;
  }
  const promise = (async () => {
    const res = await request(path, {});
    if (res.status === 404) return null;
    if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
    return URL.createObjectURL(await res.blob());
  })();
  if (cache) {
    blobCache.set(path, promise);
    // A miss is not kept: the picture may arrive later.
    promise.then((url) => url === null && blobCache.get(path) === promise && blobCache.delete(path)).catch(() => blobCache.delete(path));
    while (blobCache.size > MAX_CACHED) {
      const [oldest, entry] = blobCache.entries().next().value;
      blobCache.delete(oldest);
      entry.then(revoke).catch(() => undefined);
    }
  }
  return promise;
}

/** Points an <img> at an API picture; `missing` text is shown in its place when there is none. */
export async function loadImage(img, path, missing = "no picture yet") {
  img.dataset.src = path;
  try {
    const url = await blobUrl(path);
    if (img.dataset.src !== path || (url && !isLive(url))) return;
    if (url) {
      img.src = url;
      if (img.dataset.alt !== undefined) img.alt = img.dataset.alt;
      img.classList.remove("missing");
    } else {
      img.removeAttribute("src");
      img.classList.add("missing");
      img.dataset.alt ??= img.alt;
      img.alt = "";
      img.title = missing;
    }
  } catch (e) {
    if (img.dataset.src === path) img.classList.add("missing");
  }
}
