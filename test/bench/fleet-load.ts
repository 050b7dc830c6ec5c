/**
 * An open-loop load generator of simulated cameras: each camera polls its desired
 * state every POLL_S with its ETag (mostly 304) and every RECORD_S uploads one capture
 * record and then its thumbnail, at the cameras' real rates, spread evenly over the
 * period. Requests leave when they are due whatever the hub's answers, and a
 * request's latency counts from when it was due, so a slow hub cannot slow its own
 * load down (no coordinated omission).
 */
import { encode } from "jpeg-js";
import { readFileSync } from "node:fs";
import { makeThumbnail } from "../../shared/image/thumbnail";
import { observedState } from "../harness/fixtures";
import { makeRecords } from "./records";

export const POLL_S = 60;
export const RECORD_S = 15;
/** Declared size of each record's full image (the agents sync thumbnails only here). */
export const FULL_IMAGE_BYTES = 4_000_000;
/** Records each camera already holds at the hub when a step starts (more than the alert pass's 100-record window). */
export const HISTORY_RECORDS = 120;

export interface SimCamera {
  id: string;
  token: string;
  /** The hub replica this camera talks to (cameras spread over replicas as a balancer would). */
  url: string;
  etag?: string;
  seq: number;
  /** The camera's observed state as it polls it (its own capture log). */
  observed?: string;
}

export type Route = "poll" | "record" | "thumbnail";
export interface StepResult {
  cameras: number;
  seconds: number;
  requests: Record<Route, number>;
  notModified: number;
  errors: number;
  firstError?: string;
  /** Latency quantiles in ms, all routes and per route. */
  p50: number;
  p99: number;
  max: number;
  /** How late the generator itself sent requests (p99, ms): its own or the machine's stalls, not the hub's. */
  sendLagP99: number;
  p99By: Record<Route, number>;
  /** CPU seconds over the step: the hub processes together, and this (the generator's) process. */
  hubCpu: number;
  generatorCpu: number;
}

/** A small real JPEG: a textured sky made once, shrunk by the agents' own thumbnail code. */
export async function sampleThumbnail(): Promise<Uint8Array<ArrayBuffer>> {
  const w = 640;
  const h = 360;
  const data = new Uint8Array(w * h * 4);
  let seed = 7;
  for (let i = 0; i < w * h; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const y = Math.floor(i / w);
    const noise = (seed % 24) - 12;
    data.set([90 + (y >> 2) + noise, 130 + (y >> 3) + noise, 200 - (y >> 3) + noise, 255], i * 4);
  }
  return new Uint8Array(await makeThumbnail(encode({ data, width: w, height: h }, 85).data));
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
}

async function send(camera: SimCamera, route: Route, thumbnail: Uint8Array<ArrayBuffer>): Promise<{ status: number; text?: string }> {
  const auth = { authorization: `Bearer ${camera.token}` };
  if (route === "poll") {
    const res = await fetch(`${camera.url}/agent/v1/state`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", ...(camera.etag ? { "if-none-match": camera.etag } : {}) },
      body: (camera.observed ??= JSON.stringify(observedState({ log_id: logId(camera) }))),
    });
    await res.arrayBuffer();
    camera.etag = res.headers.get("etag") ?? camera.etag;
    return { status: res.status };
  }
  const id = `${camera.id}-${camera.seq}`;
  if (route === "record") {
    camera.seq++;
    const body = { log_id: logId(camera), records: [simRecord(camera.id, camera.seq, `${camera.id}-${camera.seq}`, tickAt(camera.seq))] };
    const res = await fetch(`${camera.url}/agent/v1/captures`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  }
  const res = await fetch(`${camera.url}/agent/v1/captures/${id}/thumbnail`, { method: "PUT", headers: { ...auth, "content-type": "image/jpeg" }, body: thumbnail });
  return { status: res.status, text: await res.text() };
}

const logId = (camera: SimCamera) => `log-${camera.id}`;

/** A captured record with its image declared and measured, as a camera's agent sends it (brightness wanders a little round the target). */
function simRecord(cameraId: string, seq: number, id: string, plannedAt: string) {
  const [record] = makeRecords(1, cameraId, seq);
  const measures = { mean_luma: 112 + (seq % 9) - 4, clipped_highlights_pct: 0.4, crushed_shadows_pct: 0.2 };
  return { ...record!, id, planned_at: plannedAt, captured_at: plannedAt, measures, image: { ...record!.image!, bytes: FULL_IMAGE_BYTES } };
}

/**
 * Gives every camera `count` earlier records of its log (the day before the step's
 * ticks), uploaded in one batch each: a fleet in steady state, whose every camera
 * fills the alert pass's quality window. The camera's next record follows them.
 */
export async function seedHistory(cameras: SimCamera[], count = HISTORY_RECORDS, concurrency = 8): Promise<void> {
  const dayBefore = Date.parse("2026-06-20T00:00:00Z");
  let next = 0;
  const worker = async () => {
    while (next < cameras.length) {
      const c = cameras[next++]!;
      const records = Array.from({ length: count }, (_, i) => simRecord(c.id, c.seq + i + 1, `${c.id}-history-${i}`, new Date(dayBefore + i * RECORD_S * 1000).toISOString()));
      const res = await fetch(`${c.url}/agent/v1/captures`, {
        method: "POST",
        headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json" },
        body: JSON.stringify({ log_id: logId(c), records }),
      });
      if (!res.ok) throw new Error(`history of ${c.id}: ${res.status} ${await res.text()}`);
      c.seq += count;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Each record its own tick, RECORD_S apart, so no upload is a duplicate of another. */
function tickAt(seq: number): string {
  return new Date(Date.parse("2026-06-21T00:00:00Z") + seq * RECORD_S * 1000).toISOString();
}

/** Polls every camera once so it holds an ETag: the steady state is 304s. */
export async function primeEtags(cameras: SimCamera[], concurrency = 64): Promise<void> {
  const todo = cameras.filter((c) => !c.etag);
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const c = todo[next++]!;
      const { status } = await send(c, "poll", new Uint8Array());
      if (status !== 200 && status !== 304) throw new Error(`priming poll ${c.id}: ${status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Each camera uploads one record and its thumbnail before the measured step, as
 * a camera the hub has served before has: its picture folders exist (made once in
 * a camera's life, they are not what a hub serving a steady fleet spends time on).
 */
export async function primeUploads(cameras: SimCamera[], thumbnail: Uint8Array<ArrayBuffer>, concurrency = 64): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < cameras.length) {
      const c = cameras[next++]!;
      for (const route of ["record", "thumbnail"] as const) {
        const { status, text } = await send(c, route, thumbnail);
        if (status !== 200) throw new Error(`priming ${route} ${c.id}: ${status} ${text ?? ""}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Runs `cameras` for `seconds` of real time at their real rates. Each camera's poll
 * and record phases are spread evenly over their periods; a thumbnail follows its
 * record's answer. `hubPids` are measured for CPU over the same window.
 */
export async function runStep(cameras: SimCamera[], seconds: number, hubPids: number[], thumbnail: Uint8Array<ArrayBuffer>): Promise<StepResult> {
  const n = cameras.length;
  const latencies: Record<Route, number[]> = { poll: [], record: [], thumbnail: [] };
  let errors = 0;
  let notModified = 0;
  let firstError: string | undefined;
  const inFlight = new Set<Promise<void>>();

  const sendLag: number[] = [];
  const issue = (camera: SimCamera, route: Route, dueAt: number) => {
    const p = send(camera, route, thumbnail)
      .then(async ({ status, text }) => {
        latencies[route].push(performance.now() - dueAt);
        if (status === 304) notModified++;
        const ok = route === "poll" ? status === 200 || status === 304 : status === 200;
        if (!ok) {
          errors++;
          firstError ??= `${route} ${camera.id}: ${status} ${text ?? ""}`.slice(0, 300);
        } else if (route === "record") issue(camera, "thumbnail", performance.now());
      })
      .catch((e) => {
        errors++;
        firstError ??= `${route} ${camera.id}: ${(e as Error).message}`;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  // Per route, every camera's next due time, phase-spread over the period. All of a
  // route's cameras share its period, so firing in order and adding the period keeps
  // each ring in due order: a cursor walks it round and round.
  const t0 = performance.now() + 50;
  const rings = (["record", "poll"] as const).map((route) => {
    const period = (route === "record" ? RECORD_S : POLL_S) * 1000;
    const phase = (i: number) => (route === "record" ? i : (i * 7919) % n);
    const due = cameras.map((camera, i) => ({ camera, next: t0 + ((phase(i) + 0.5) / n) * period })).sort((a, b) => a.next - b.next);
    return { route, period, due, cursor: 0 };
  });

  const hubCpu0 = hubPids.reduce((s, pid) => s + processCpuSeconds(pid), 0);
  const cpu0 = process.cpuUsage();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    const now = performance.now();
    for (const ring of rings) {
      for (let ev = ring.due[ring.cursor]!; ev.next <= now && ev.next < end; ev = ring.due[ring.cursor]!) {
        sendLag.push(now - ev.next);
        issue(ev.camera, ring.route, ev.next);
        ev.next += ring.period;
        ring.cursor = (ring.cursor + 1) % n;
      }
    }
    await Bun.sleep(2);
  }
  // Answers still in flight at the end count too (a stuck request is an error-free p99 killer).
  // A record's thumbnail joins the set once the record is answered: wait until it is empty.
  while (inFlight.size) await Promise.all(inFlight);
  const cpu = process.cpuUsage(cpu0);
  const hubCpu = hubPids.reduce((s, pid) => s + processCpuSeconds(pid), 0) - hubCpu0;

  const all = [...latencies.poll, ...latencies.record, ...latencies.thumbnail].sort((a, b) => a - b);
  const by = (r: Route) => quantile([...latencies[r]].sort((a, b) => a - b), 0.99);
  return {
    cameras: n,
    seconds,
    requests: { poll: latencies.poll.length, record: latencies.record.length, thumbnail: latencies.thumbnail.length },
    notModified,
    errors,
    firstError,
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    max: all.at(-1) ?? 0,
    sendLagP99: quantile(sendLag.sort((a, b) => a - b), 0.99),
    p99By: { poll: by("poll"), record: by("record"), thumbnail: by("thumbnail") },
    hubCpu,
    generatorCpu: (cpu.user + cpu.system) / 1e6,
  };
}
