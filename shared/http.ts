import { Elysia } from "elysia";

/** The one error shape of every endpoint we serve: `{error, message, issues?}`. */
export interface Problem {
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
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
  return new Response(JSON.stringify(problem), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function pathText(path: unknown): string {
  if (typeof path === "string") return path.replace(/^\//, "").replaceAll("/", ".") || "(root)";
  if (Array.isArray(path))
    return path.map((p) => (typeof p === "object" && p && "key" in p ? String(p.key) : String(p))).join(".") || "(root)";
  return "(root)";
}

/**
 * Maps Elysia's errors to Problems: validation issues name the field, unparseable
 * JSON is a 400, unknown routes a 404. Installed once per app, scoped globally.
 */
export const problems = new Elysia({ name: "problems" }).onError({ as: "global" }, ({ code, error }) => {
  if (error instanceof HttpError) return problemResponse(error.status, { error: error.code, message: error.message });
  switch (code) {
    case "VALIDATION": {
      const issues = error.all.map((i) => ({
        path: `${error.type}.${pathText((i as { path?: unknown }).path)}`,
        message: i.summary ?? (i as { message?: string }).message ?? "invalid",
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
