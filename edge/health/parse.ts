/**
 * Pure parsers for the Pi's health sources, each taking the text the kernel or tool
 * writes and returning null for anything it cannot read (no I/O here).
 */

const finite = (n: number) => (Number.isFinite(n) ? n : null);
const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** `/sys/class/thermal/thermal_zone0/temp`: milli-°C ("52078") → °C. */
export function parseThermal(text: string): number | null {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return null;
  return round(Number(t) / 1000, 1);
}

/** `vcgencmd get_throttled` ("throttled=0x50005") or the firmware's sysfs file (hex, "50005") → the bits. */
export function parseThrottled(text: string): number | null {
  const m = text.trim().match(/^(?:throttled=)?(?:0x)?([0-9a-f]{1,8})$/i);
  if (!m) return null;
  const bits = parseInt(m[1]!, 16);
  return bits <= 0xfffff ? bits : bits & 0xf000f;
}

/** `/proc/loadavg`: "0.52 0.58 0.59 1/389 12345" → [1, 5, 15 min]. */
export function parseLoadavg(text: string): [number, number, number] | null {
  const parts = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n) || n < 0)) return null;
  return parts.map((n) => round(n, 2)) as [number, number, number];
}

/** `/proc/meminfo` → MemTotal and MemAvailable in MB (null where a line is missing). */
export function parseMeminfo(text: string): { total_mb: number | null; available_mb: number | null } {
  const kb = (key: string) => {
    const m = text.match(new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, "m"));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  };
  return { total_mb: kb("MemTotal"), available_mb: kb("MemAvailable") };
}

/** `/proc/uptime`: "350735.47 234388.90" → whole seconds since boot. */
export function parseUptime(text: string): number | null {
  const first = Number(text.trim().split(/\s+/)[0]);
  return text.trim() && Number.isFinite(first) && first >= 0 ? Math.floor(first) : null;
}

/** `/proc/sys/kernel/random/boot_id`: a UUID. */
export function parseBootId(text: string): string | null {
  const t = text.trim();
  return /^[0-9a-f-]{8,64}$/i.test(t) ? t : null;
}

export type InterfaceCounters = Record<string, { rx: number; tx: number }>;

/** `/proc/net/dev` → bytes received and sent per interface since boot (loopback left out). */
export function parseNetDev(text: string): InterfaceCounters | null {
  const out: InterfaceCounters = {};
  let seen = false;
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0 || line.includes("|")) continue;
    const name = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes ...
    if (!name || fields.length < 16 || fields.some((n) => !Number.isFinite(n))) continue;
    seen = true;
    if (name !== "lo") out[name] = { rx: fields[0]!, tx: fields[8]! };
  }
  return seen ? out : null;
}

/** `/proc/net/wireless` → signal level per interface, dBm (older drivers report 256 + dBm). */
export function parseWireless(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = line.match(/^\s*([^\s:|]+):\s+\S+\s+(-?[\d.]+)\.?\s+(-?[\d.]+)\.?/);
    if (!m) continue;
    let level = finite(Number(m[3]));
    if (level === null) continue;
    if (level > 0) level -= 256;
    if (level < 0 && level >= -150) out[m[1]!] = Math.round(level);
  }
  return out;
}

/** `/proc/net/route` → the interface of the default route (lowest metric), or null. */
export function parseDefaultRoute(text: string): string | null {
  let best: { iface: string; metric: number } | null = null;
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== "00000000" || f[7] !== "00000000") continue;
    const metric = Number(f[6]);
    if (!best || metric < best.metric) best = { iface: f[0]!, metric };
  }
  return best?.iface ?? null;
}

/** `mmcli -m 0 --output-json` → signal quality (percent) and access technology. */
export function parseMmcli(text: string): { quality: number | null; tech: string | null } | null {
  let generic: Record<string, unknown> | undefined;
  try {
    generic = (JSON.parse(text) as { modem?: { generic?: Record<string, unknown> } }).modem?.generic;
  } catch {
    return null;
  }
  if (!generic || typeof generic !== "object") return null;
  const sq = generic["signal-quality"] as { value?: unknown } | undefined;
  const q = sq && typeof sq === "object" ? Number(sq.value) : NaN;
  const techs = generic["access-technologies"];
  const tech = Array.isArray(techs) && typeof techs[0] === "string" && techs[0] !== "" ? techs[0].slice(0, 24) : null;
  return { quality: Number.isFinite(q) && q >= 0 && q <= 100 ? q : null, tech };
}
