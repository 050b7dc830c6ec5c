import { REDACTED } from "../../shared/contracts/diagnostics";

/** Settings whose values are secrets, by name: tokens, keys, passwords, enrollment codes. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|PRIVATE|KEY|CODE|CREDENTIAL|AUTH/i;
/** Query parameters that carry secrets in a URL. */
const SECRET_PARAM = "token|secret|password|passwd|key|sig|signature|auth|code|credential";
/** A URL's user info (`scheme://user:password@`). */
const USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;
/** A secret query value (`?token=…`, `&api_key=…`). */
const QUERY_SECRET = new RegExp(`([?&][\\w.-]*(?:${SECRET_PARAM})[\\w.-]*=)[^&#\\s"'<>]*`, "gi");

/** Text with the credentials of any URL in it removed: user info and secret query values. */
export function redactUrls(text: string): string {
  return text.replace(USER_INFO, `$1${REDACTED}@`).replace(QUERY_SECRET, `$1${REDACTED}`);
}

/** The password and secret query values of a URL, to scrub wherever else they appear. */
function urlSecrets(value: string): string[] {
  try {
    const url = new URL(value);
    const query = [...url.searchParams].filter(([k]) => new RegExp(SECRET_PARAM, "i").test(k)).map(([, v]) => v);
    return [decodeURIComponent(url.password), ...query].filter(Boolean);
  } catch {
    return [];
  }
}

type ConfigValue = string | number | boolean | null;

/**
 * The agent's settings as a diagnostics bundle shows them: secret-named values
 * replaced, URLs without credentials. Returns the config and the secret values
 * taken out, so the same text can be scrubbed from log lines too.
 */
export function redactConfig(settings: Record<string, unknown>): { config: Record<string, ConfigValue>; secrets: string[] } {
  const config: Record<string, ConfigValue> = {};
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(settings).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined) continue;
    if (SECRET_NAME.test(name)) {
      config[name] = REDACTED;
      if (typeof value === "string" && value) secrets.push(value);
    } else if (typeof value === "string") {
      secrets.push(...urlSecrets(value));
      config[name] = redactUrls(value);
    } else if (typeof value === "number" || typeof value === "boolean" || value === null) config[name] = value;
    else config[name] = redactUrls(JSON.stringify(value));
  }
  return { config, secrets };
}

/** Text with every known secret replaced, and the credentials of any URL it holds. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = redactUrls(text);
  for (const secret of secrets) if (secret) out = out.split(secret).join(REDACTED);
  return out;
}
