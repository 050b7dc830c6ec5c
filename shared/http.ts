import { Elysia } from "elysia";
import { timingSafeEqual } from "node:crypto";
import { ZodError } from "zod";
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
  return x.length === y.length && timingSafeEqual(x, y);
}

const mib = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
const tooLarge = (limit: number) => new HttpError(413, "payload_too_large", `the request body is over the ${mib(limit)} limit`);

/** Below this size a JSON body cannot nest deep enough for validation reports to hurt. */
const SHALLOW_BODY_BYTES = 1024;

/** A chunked body's size (the server itself refuses past twice the limit), and a JSON body's depth. */
async function inspectBody(request: Request, maxBodyBytes: number, json: boolean): Promise<void> {
  const text = await request.clone().text();
  if (Buffer.byteLength(text) > maxBodyBytes) throw tooLarge(maxBodyBytes);
  if (json && jsonTooDeep(text)) throw new HttpError(400, "bad_json", `the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
}

/**
 * The error side of every app: bodies over `maxBodyBytes` are a 413 before they
 * are read, JSON is parsed with a depth limit, validation issues name the field,
 * unparseable JSON is a 400, unknown routes a 404, and a schema error thrown
 * inside a handler is still the client's 422, never a 500.
 */
export const problems = (maxBodyBytes: number) =>
  new Elysia({ name: "problems", seed: maxBodyBytes })
    .onRequest(({ request }) => {
      if (!request.body) return;
      const length = request.headers.get("content-length");
      const size = length === null ? null : Number(length);
      if (size !== null && size > maxBodyBytes) throw tooLarge(maxBodyBytes);
      // Small bodies cannot nest deep enough to hurt; polls stay on the fast path.
      const json = request.headers.get("content-type")?.startsWith("application/json") ?? false;
      if (size !== null && (size <= SHALLOW_BODY_BYTES || !json)) return;
      return inspectBody(request, maxBodyBytes, json);
    })
    .onError({ as: "global" }, async ({ code, error }) => {
  if (error instanceof HttpError) return problemResponse(error.status, { error: error.code, message: error.message });
  if (isBusy(error))
    return problemResponse(503, { error: "busy", message: "the database is locked by another process; nothing was changed, retry shortly" }, { "retry-after": "1" });
  if (error instanceof ZodError) {
    const message = describeZodError(error);
    return problemResponse(422, { error: "invalid_request", message, issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) });
  }
  switch (code) {
    case "VALIDATION": {
      const found = await validationIssues(error.validator, error.value);
      const issues = (found.length ? found : [{ message: error.message }]).map((i) => ({
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
});

/** Bearer token from an Authorization header, or null. */
export function bearerToken(header: string | null | undefined): string | null {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match ? match[1]! : null;
}
