/** A strict reader of Prometheus text exposition (0.0.4), for tests: every sample belongs to a family declared with HELP and TYPE. */

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface ParsedFamily {
  help: string;
  type: string;
  samples: ParsedSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g;

export function parseExposition(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>();
  let current: { name: string; family: ParsedFamily } | null = null;
  if (!text.endsWith("\n")) throw new Error("the exposition does not end with a newline");
  for (const line of text.slice(0, -1).split("\n")) {
    const help = line.match(/^# HELP (\S+) (.*)$/);
    if (help) {
      if (families.has(help[1]!)) throw new Error(`family ${help[1]} declared twice`);
      current = { name: help[1]!, family: { help: help[2]!, type: "", samples: [] } };
      families.set(help[1]!, current.family);
      continue;
    }
    const type = line.match(/^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/);
    if (type) {
      if (current?.name !== type[1]) throw new Error(`TYPE of ${type[1]} without its HELP just before`);
      current.family.type = type[2]!;
      continue;
    }
    const m = line.match(SAMPLE);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const [, name, labelText, valueText] = m;
    if (!current || !(name === current.name || (current.family.type === "histogram" && [`${current.name}_bucket`, `${current.name}_sum`, `${current.name}_count`].includes(name!))))
      throw new Error(`sample ${name} outside its family`);
    const labels: Record<string, string> = {};
    for (const l of (labelText ?? "").matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText !== "NaN") throw new Error(`not a value: ${line}`);
    current.family.samples.push({ name: name!, labels, value });
  }
  return families;
}

/** The value of the one sample of `name` whose labels include `labels` (undefined: none). */
export function sampleValue(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values())
    for (const s of family.samples) if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
  return undefined;
}
