/**
 * Device health at the hub: the pure downsampling and fleet rules, then polls into
 * an in-process hub — buckets of 5 minutes with min / max / last, pruned after 30
 * days, the history endpoint, the fleet's worst now, the gauges, and agents that
 * send no health or bad health.
 */
import { describe, expect, test } from "bun:test";
import { healthBuckets } from "../../hub/db/schema";
import { BUCKET_MS, fleetHealth, gaugeSamples, healthMetrics, healthNow, KEEP_MS, mergeBucket } from "../../hub/health/compute";
import { healthGauges, recordHealth } from "../../hub/health/service";
import type { DeviceHealth } from "../../shared/contracts/health";
import { deviceHealth, observedState, sunriseGridConfig } from "../harness/fixtures";
import { callHub, inProcessHub } from "../harness/in-process";
import { waitFor } from "../harness/processes";

const OPERATOR = "operator-token-0123456789";


describe("compute", () => {
  test("a poll's metrics; a bucket keeps min, max and last, skipping what a poll did not report", () => {
    const m = healthMetrics(deviceHealth({ throttled: 0x50003 }));
    expect(m).toMatchObject({ soc_temp_c: 45, mem_used_pct: 75, disk_used_pct: 75, under_voltage: 1, throttled: 1, wifi_dbm: -60, rx_bytes_day: 1010, tx_bytes_day: 5020, agent_sent_day: 4000 });
    let b = mergeBucket(null, healthMetrics(deviceHealth({ soc_temp_c: 50 })));
    b = mergeBucket(b, healthMetrics(deviceHealth({ soc_temp_c: 42, sensor_temp_c: null })));
    b = mergeBucket(b, healthMetrics(deviceHealth({ soc_temp_c: 47 })));
    expect(b.soc_temp_c).toEqual([42, 50, 47]);
    expect(b.sensor_temp_c).toEqual([38, 38, 38]);
    const empty = healthMetrics(deviceHealth({ soc_temp_c: null, throttled: null, link: null, traffic: null, load: null }));
    expect(mergeBucket(null, empty)).not.toHaveProperty("soc_temp_c");
    expect(mergeBucket(null, empty)).not.toHaveProperty("under_voltage");
  });

  test("the fleet's worst now: hottest, under-voltage now and since boot, weakest link on one scale; offline cameras left out", () => {
    const cams = [
      { id: "a", online: true, health: healthNow(deviceHealth({ soc_temp_c: 61.5, throttled: 0x50005 })) },
      { id: "b", online: true, health: healthNow(deviceHealth({ soc_temp_c: 48, throttled: 0x10000, link: { iface: "wwan0", wifi_dbm: null, cell_quality: 22, cell_tech: "lte" } })) },
      { id: "c", online: false, health: healthNow(deviceHealth({ soc_temp_c: 80, throttled: 0x1, link: { iface: "wlan0", wifi_dbm: -95, cell_quality: null, cell_tech: null } })) },
      { id: "d", online: true, health: healthNow(undefined) },
      { id: "e", online: true, health: healthNow(deviceHealth({ soc_temp_c: null, throttled: null, link: null })) },
    ];
    expect(fleetHealth(cams)).toEqual({
      hottest: { camera_id: "a", soc_temp_c: 61.5 },
      under_voltage_now: ["a"],
      under_voltage_since_boot: ["a", "b"],
      // a: −60 dBm → 80 %; b: cellular 22 %.
      weakest_signal: { camera_id: "b", signal_pct: 22, iface: "wwan0" },
    });
  });

  test("gauges per camera, none for what is not reported", () => {
    const samples = gaugeSamples([
      { id: "a", health: deviceHealth({ throttled: 0x50005 }) },
      { id: "b", health: deviceHealth({ soc_temp_c: null }) },
      { id: "c", health: undefined },
    ]);
    const temp = samples.filter((s) => s.name === "skylapse_camera_soc_temperature_celsius");
    expect(temp).toEqual([{ name: "skylapse_camera_soc_temperature_celsius", help: expect.any(String), labels: { camera: "a" }, value: 45 }]);
    expect(samples.find((s) => s.name === "skylapse_camera_under_voltage_since_boot" && s.labels.camera === "a")!.value).toBe(1);
    expect(samples.find((s) => s.name === "skylapse_camera_agent_upload_bytes_today" && s.labels.camera === "b")!.value).toBe(4000);
    expect(samples.some((s) => s.labels.camera === "c")).toBe(false);
  });
});

describe("polls into a hub", () => {
  test("each poll's health lands in its 5-minute bucket; history, fleet, gauges; old buckets pruned", async () => {
    const { hub, clock } = await inProcessHub(sunriseGridConfig({ ridge: {}, valley: {} }), OPERATOR);
    const token = (await callHub(hub, "POST", "/api/cameras/ridge/token", OPERATOR)).body.token;
    const valleyToken = (await callHub(hub, "POST", "/api/cameras/valley/token", OPERATOR)).body.token;
    const poll = (h: DeviceHealth | undefined, t = token) =>
      callHub(hub, "POST", "/agent/v1/state", t, observedState(h ? { health: h } : {}, { now: clock.now() }));
    const history = async (query = "") => (await callHub(hub, "GET", `/api/cameras/ridge/health${query}`, OPERATOR)).body;
    const start = clock.now();

    const temps = [40, 52, 47, 44, 58, 41];
    for (const [i, t] of temps.entries()) {
      expect((await poll(deviceHealth({ soc_temp_c: t, throttled: i === 4 ? 0x50005 : 0x50000 }))).status).toBe(200);
      clock.set(start + (i + 1) * 100_000);
    }
    // An agent older than health polls too: nothing breaks, nothing is recorded for it.
    expect((await poll(undefined, valleyToken)).status).toBe(200);

    const h = await waitFor("the health buckets", async () => {
      const body = await history(`?from=${new Date(start - 3_600_000).toISOString()}`);
      return body.buckets.reduce((n: number, b: any) => n + b.samples, 0) === temps.length ? body : null;
    }, 5_000, 20);
    // Polls at 0, 100, 200 s fall in the first bucket, 300, 400, 500 s in the next.
    expect(h.bucket_seconds).toBe(300);
    expect(h.buckets.map((b: any) => [b.samples, b.metrics.soc_temp_c])).toEqual([
      [3, [40, 52, 47]],
      [3, [41, 58, 41]],
    ]);
    expect(h.buckets[1].metrics.under_voltage).toEqual([0, 1, 0]);
    expect(h.buckets[0].at).toBe(new Date(Math.floor(start / BUCKET_MS) * BUCKET_MS).toISOString());

    hub.ctx.contacts.flush();
    const fleet = (await callHub(hub, "GET", "/api/fleet", OPERATOR)).body;
    const ridge = fleet.cameras.find((c: any) => c.id === "ridge");
    expect(ridge.health).toMatchObject({ soc_temp_c: 41, under_voltage_now: false, under_voltage_since_boot: true, link: { iface: "wlan0", signal_pct: 80 } });
    expect(fleet.cameras.find((c: any) => c.id === "valley").health).toBeNull();
    expect(fleet.health).toEqual({ hottest: { camera_id: "ridge", soc_temp_c: 41 }, under_voltage_now: [], under_voltage_since_boot: ["ridge"], weakest_signal: { camera_id: "ridge", signal_pct: 80, iface: "wlan0" } });
    const gauges = await healthGauges(hub.ctx.db);
    expect(gauges.find((g) => g.name === "skylapse_camera_soc_temperature_celsius")).toMatchObject({ labels: { camera: "ridge" }, value: 41 });

    // 31 days on: the first poll of a new bucket drops this camera's buckets past 30 days.
    clock.set(start + KEEP_MS + 24 * 3_600_000);
    await recordHealth(hub.ctx.db, "ridge", deviceHealth(), clock.now());
    const rows = await hub.ctx.db.select().from(healthBuckets);
    expect(rows.map((r) => r.bucketAt)).toEqual([Math.floor(clock.now() / BUCKET_MS) * BUCKET_MS]);
  }, 30_000);

  test("bad health is refused with the poll (422) and changes nothing; bad ranges, unknown cameras, no token", async () => {
    const { hub, clock } = await inProcessHub(sunriseGridConfig({ ridge: {} }), OPERATOR);
    const token = (await callHub(hub, "POST", "/api/cameras/ridge/token", OPERATOR)).body.token;
    const bad = await callHub(hub, "POST", "/agent/v1/state", token, observedState({ health: deviceHealth({ soc_temp_c: 999 }) }, { now: clock.now() }));
    expect(bad.status).toBe(422);
    await Bun.sleep(50);
    expect(await hub.ctx.db.select().from(healthBuckets)).toEqual([]);
    expect((await callHub(hub, "GET", "/api/cameras/ridge/health?from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z", OPERATOR)).status).toBe(422);
    expect((await callHub(hub, "GET", "/api/cameras/ridge/health?from=2026-01-01T00:00:00Z&to=2026-11-24T00:00:00Z", OPERATOR)).status).toBe(422);
    expect((await callHub(hub, "GET", "/api/cameras/ridge/health?from=yesterday", OPERATOR)).status).toBe(422);
    expect((await callHub(hub, "GET", "/api/cameras/nope/health", OPERATOR)).status).toBe(404);
    expect((await callHub(hub, "GET", "/api/cameras/ridge/health", null)).status).toBe(401);
    expect((await callHub(hub, "GET", "/api/cameras/ridge/health", token)).status).toBe(401);
    const empty = await callHub(hub, "GET", "/api/cameras/ridge/health", OPERATOR);
    expect(empty.status).toBe(200);
    expect(empty.body.buckets).toEqual([]);
  }, 30_000);
});
