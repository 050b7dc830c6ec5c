import { DeviceHealth } from "../../shared/contracts/health";
import { formatLocalDate, localDateOf } from "../../shared/plan/local-time";
import { EMPTY_READING, type HealthReading, type HealthSource } from "./source";
import { advanceTraffic, dailyTraffic, type TrafficBook } from "./traffic";

export interface HealthMonitorDeps {
  source: HealthSource;
  /** Clock time (the agent's clock). */
  now: () => number;
  /** The camera's zone: traffic is counted per local day. */
  timezone: () => string;
  /** The camera sensor's temperature from the last capture's metadata, when the driver reports one. */
  sensorTemperature: () => number | null;
  /** Where the day's traffic book is kept across restarts. */
  store: { get(key: string): string | null; set(key: string, value: string): void };
  /** Real ms a whole reading may take before it counts as empty. */
  readTimeoutMs?: number;
}

const BOOK_KEY = "health_traffic";

/**
 * Reads the device's health in the background and keeps the latest for the next
 * poll (observe() stays synchronous and never waits on a tool). Counts the bytes the
 * agent sends to the hub, per local day.
 */
export class HealthMonitor {
  private current: DeviceHealth | null = null;
  private book: TrafficBook | null;
  private sentSinceReading = 0;
  private sentTotal = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private reading: Promise<DeviceHealth> | null = null;

  constructor(private readonly deps: HealthMonitorDeps) {
    this.book = readBook(deps.store.get(BOOK_KEY));
  }

  /** A request body of `bytes` went to the hub. */
  countSent(bytes: number): void {
    this.sentSinceReading += bytes;
    this.sentTotal += bytes;
  }

  /** Bytes sent to the hub since this process started. */
  get sent(): number {
    return this.sentTotal;
  }

  latest(): DeviceHealth | null {
    return this.current;
  }

  /** One reading now (a reading already under way is shared). */
  refresh(): Promise<DeviceHealth> {
    this.reading ??= this.readOnce().finally(() => (this.reading = null));
    return this.reading;
  }

  /** A reading now, then one every `everyMs`; a failed reading is logged, never thrown. */
  async start(everyMs: number): Promise<void> {
    const read = () => this.refresh().catch((e) => console.error(`agent: health not read: ${(e as Error).message}`));
    this.timer ??= setInterval(read, everyMs);
    await read();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.reading?.catch(() => undefined);
  }

  private async readOnce(): Promise<DeviceHealth> {
    const at = this.deps.now();
    const r = await this.withTimeout(this.deps.source.read(at));
    const day = formatLocalDate(localDateOf(this.deps.timezone(), at));
    const sent = this.sentSinceReading;
    this.sentSinceReading = 0;
    this.book = advanceTraffic(this.book, { day, bootId: r.boot_id, counters: r.counters, agentSent: sent });
    this.deps.store.set(BOOK_KEY, JSON.stringify(this.book));
    const { counters: _, ...rest } = r;
    this.current = withinContract({ ...rest, sensor_temp_c: this.deps.sensorTemperature(), traffic: dailyTraffic(this.book) });
    return this.current;
  }

  private async withTimeout(reading: Promise<HealthReading>): Promise<HealthReading> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<HealthReading>((resolve) => (timer = setTimeout(() => resolve(EMPTY_READING), this.deps.readTimeoutMs ?? 5000)));
    try {
      return await Promise.race([reading.catch(() => EMPTY_READING), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The saved book, or none when it is missing or unreadable (the day's counts then start again). */
function readBook(saved: string | null): TrafficBook | null {
  if (saved === null) return null;
  try {
    const book = JSON.parse(saved) as TrafficBook;
    return typeof book?.day === "string" && book.totals && book.last ? book : null;
  } catch {
    return null;
  }
}

/**
 * A reading the hub would refuse (a broken sensor reading 300 °C) would cost every
 * poll a 422: each field outside the contract's bounds is sent as null instead.
 */
export function withinContract(health: DeviceHealth): DeviceHealth {
  const checked = DeviceHealth.safeParse(health);
  if (checked.success) return health;
  const out: Record<string, unknown> = { ...health };
  for (const issue of checked.error.issues) {
    const field = issue.path[0];
    if (typeof field === "string" && field in DeviceHealth.shape) out[field] = null;
  }
  return out as DeviceHealth;
}
