/**
 * Prometheus text exposition (format 0.0.4): counters and histograms this
 * process keeps, gauges read at scrape time. Pure: no I/O, no clock.
 */

export type Labels = Record<string, string>;
type MetricType = "counter" | "gauge" | "histogram";

export interface Sample {
  labels: Labels;
  value: number;
}

/** One metric family as it is written: its help, its type and its samples (a histogram's already expanded). */
export interface Family {
  name: string;
  help: string;
  type: MetricType;
  samples: (Sample & { suffix?: string })[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

export function render(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${s.suffix ?? ""}${labelText(s.labels)} ${formatValue(s.value)}`);
  }
  return lines.join("\n") + "\n";
}

/** The series key of a label set: callers name a metric's labels in one order, so no sort (this runs on every request). */
function keyOf(labels: Labels): string {
  let key = "";
  for (const name in labels) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

export class Counter {
  private readonly series = new Map<string, Sample>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const s = this.series.get(key);
    if (s) s.value += by;
    else this.series.set(key, { labels, value: by });
  }

  /** Declares a series at zero, so a rate over it exists before the first event. */
  declare(labels: Labels = {}): this {
    this.inc(labels, 0);
    return this;
  }

  family(): Family {
    return { name: this.name, help: this.help, type: "counter", samples: [...this.series.values()] };
  }
}

export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, ascending; +Inf is implied. */
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  family(): Family {
    const samples: Family["samples"] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) => samples.push({ suffix: "_bucket", labels: { ...s.labels, le: String(le) }, value: s.counts[i]! }));
      samples.push({ suffix: "_bucket", labels: { ...s.labels, le: "+Inf" }, value: s.count });
      samples.push({ suffix: "_sum", labels: s.labels, value: s.sum });
      samples.push({ suffix: "_count", labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: "histogram", samples };
  }
}

export const gauge = (name: string, help: string, samples: Sample[]): Family => ({ name, help, type: "gauge", samples });
