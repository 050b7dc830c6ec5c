import { Elysia } from "elysia";
import { z, ZodError } from "zod";
import { describeZodError } from "./env";
import { isBusy } from "./sqlite";

/** The one error shape of every endpoint we serve: `{error, message, issues?}`. */
export interface Problem {
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

/** FastAPI-era clients (the seed's tools) read `detail`; it repeats the message. */
function withDetail(problem: Problem) {
  return { ...problem, detail: problem.message };
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, "not_found", `${what} not found`);

export function problemResponse(status: number, problem: Problem, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(withDetail(problem)), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

interface StandardIssue {
  message: string;
  path?: readonly (PropertyKey | { key: PropertyKey })[];
}

function pathText(path: StandardIssue["path"]): string {
  return path?.map((p) => String(typeof p === "object" && p !== null && "key" in p ? p.key : p)).join(".") || "(root)";
}

/**
 * Issues straight from the schema (zod or valibot, both Standard Schema): Elysia's
 * own summary flattens valibot's paths, so the value is validated once more here.
 */
async function validationIssues(validator: unknown, value: unknown): Promise<StandardIssue[]> {
  type Standard = { "~standard"?: { validate: (v: unknown) => unknown } };
  const v = validator as (Standard & { schema?: Standard }) | undefined;
  const standard = v?.schema?.["~standard"] ?? v?.["~standard"];
  if (!standard) return [];
  const result = (await standard.validate(value)) as { issues?: StandardIssue[] };
  return result.issues ?? [];
}

/** JSON nested deeper than this is refused before it is validated (validation error reports grow with depth squared). */
export const MAX_JSON_DEPTH = 64;

/** Whether JSON text nests arrays and objects deeper than `max` (strings are skipped). */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** Constant-time comparison of two secrets. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

const sizeText = (bytes: number) => (bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KiB` : `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`);
export const tooLarge = (limit: number) => new HttpError(413, "payload_too_large", `the request body is over the ${sizeText(limit)} limit`);

/**
 * What to give Bun.serve as maxRequestBodySize: no limit of its own. Bun answers a
 * declared size over its limit with 413 before any credential is checked; every
 * body we read is counted by `readLimited` instead, after the credential.
 */
export const UNLIMITED_BY_SERVER = Number.MAX_SAFE_INTEGER;

/**
 * A request's body, counted as it streams: one that says it is over `limit` is
 * refused before a byte is read, one that turns out to be is refused at the byte
 * that crosses it (the rest is never read; the server drops the connection).
 */
async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  const length = request.headers.get("content-length");
  if (length !== null && Number(length) > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array(0);
  // A declared length within the limit bounds what HTTP delivers: Bun's own reader is the fast path (a poll's body).
  if (length !== null) return new Uint8Array(await request.arrayBuffer());
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

const utf8 = new TextDecoder();

/** Below this size a JSON body cannot nest deep enough for validation reports to hurt. */
const SHALLOW_BODY_BYTES = 1024;

/**
 * The one body reader of an app (Elysia's own parsers never run): every body is
 * read through `readLimited`, with the route's own limit where it has one, else
 * `maxBodyBytes`. JSON is parsed with a depth limit, text/* is a string, any other
 * type the bytes. It runs after every onRequest hook, so credentials are checked first.
 */
function bodyParser(maxBodyBytes: number, routeLimits: Record<string, number>) {
  return async ({ request, contentType, route }: { request: Request; contentType: string; route: string }) => {
    if (!request.body) return;
    const bytes = await readLimited(request, routeLimits[route] ?? maxBodyBytes);
    const type = contentType.toLowerCase();
    if (type === "application/json" || type.endsWith("+json")) {
      if (!bytes.length) return null;
      const text = utf8.decode(bytes);
      if (bytes.length > SHALLOW_BODY_BYTES && jsonTooDeep(text)) throw new HttpError(400, "bad_json", `the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new HttpError(400, "bad_json", "the request body is not valid JSON");
      }
    }
    if (type.startsWith("text/")) return utf8.decode(bytes);
    return bytes;
  };
}

/**
 * The error side of every app, and its body reader: bodies over `maxBodyBytes`
 * (or a route's own limit in `routeLimits`, keyed by route path) are a 413 while
 * they stream, JSON is parsed with a depth limit, validation issues name the field,
 * unparseable JSON is a 400, unknown routes a 404, and a schema error thrown
 * inside a handler is still the client's 422, never a 500.
 */
export const problems = (maxBodyBytes: number, routeLimits: Record<string, number> = {}) =>
  new Elysia({ name: "problems", seed: [maxBodyBytes, routeLimits] })
    .onParse({ as: "global" }, bodyParser(maxBodyBytes, routeLimits))
    .onError({ as: "global" }, async ({ code, error, request }) => {
      const response = await problemFor(code, error);
      answeredWithError.set(request, response.status);
      return response;
    });

/** The status each request that failed was answered with: after-response hooks see no Response of an error's. */
const answeredWithError = new WeakMap<Request, number>();

/** The status a failed request was answered with (undefined: it did not fail). */
export const errorStatus = (request: Request): number | undefined => answeredWithError.get(request);

async function problemFor(code: string | number, error: any): Promise<Response> {
  if (error instanceof HttpError) return problemResponse(error.status, { error: error.code, message: error.message });
  // A refusal from the body reader arrives wrapped in Elysia's ParseError.
  if (code === "PARSE" && error.cause instanceof HttpError) return problemResponse(error.cause.status, { error: error.cause.code, message: error.cause.message });
  if (isBusy(error))
    return problemResponse(503, { error: "busy", message: "the database is locked by another process; nothing was changed, retry shortly" }, { "retry-after": "1" });
  if (error instanceof ZodError) {
    const message = describeZodError(error);
    return problemResponse(422, { error: "invalid_request", message, issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) });
  }
  switch (code) {
    case "VALIDATION": {
      const found = await validationIssues(error.validator, error.value);
      const issues = (found.length ? found : [{ message: String(error.message) } as StandardIssue]).map((i) => ({
        path: `${error.type}.${pathText(i.path)}`,
        message: i.message,
      }));
      const message = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
      return problemResponse(422, { error: "invalid_request", message, issues });
    }
    case "PARSE":
      return problemResponse(400, { error: "bad_json", message: "the request body is not valid JSON" });
    case "NOT_FOUND":
      return problemResponse(404, { error: "not_found", message: "no such endpoint" });
    case "INVALID_COOKIE_SIGNATURE":
    case "INVALID_FILE_TYPE":
      return problemResponse(400, { error: "bad_request", message: String(error) });
    default: {
      if (typeof (error as { status?: unknown }).status === "number" && (error as { status: number }).status < 500)
        return problemResponse((error as { status: number }).status, { error: "bad_request", message: String((error as Error).message) });
      console.error(error);
      return problemResponse(500, { error: "internal", message: "internal error" });
    }
  }
}

/** Whole numbers in a query string: plain decimal digits only — no sign, no 0x, no exponent, no spaces, never empty. */
export const DECIMAL_DIGITS = /^\d+$/;
export const DECIMAL_DIGITS_MESSAGE = "must be a whole number written in decimal digits (0-9)";

/** A query parameter holding a whole number in [min, max] (zod); the edge's valibot schemas apply the same rule. */
export const queryInt = (min: number, max: number) =>
  z.string().regex(DECIMAL_DIGITS, DECIMAL_DIGITS_MESSAGE).transform(Number).pipe(z.number().int().min(min).max(max));

/** Bearer token from an Authorization header, or null. */
export function bearerToken(header: string | null | undefined): string | null {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match ? match[1]! : null;
}
