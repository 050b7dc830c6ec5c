/**
 * The dashboard's local times come from shared/plan/local-time.ts, served by the hub
 * as /dashboard/shared/local-time.js: in Chromium, a camera on Lord Howe Island (a
 * half-hour DST jump) on the day its clocks go forward shows the hub's time in its
 * zone and asks for that day's report from local midnight to local midnight, 23.5 h.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { type Browser, openBrowser } from "../harness/browser";
import { sharedClock, type StartedHub, startHub } from "../harness/processes";
import { DENVER } from "../harness/scenario";

const ZONE = "Australia/Lord_Howe";
// Sunday 4 Oct 2026, 12:05 local: at 02:00 (+10:30) that morning the clocks went to 02:30 (+11).
const START = "2026-10-04T01:05:00Z";

let hub: StartedHub;
let browser: Browser;
let page: Page;
const scripts = new Map<string, { status: number; type: string | null }>();

beforeAll(async () => {
  hub = await startHub({
    config: {
      location: DENVER,
      schedules: { sunrise: { offset_minutes: -30, duration_minutes: 60, interval_seconds: 60 } },
      cameras: { island: { name: "Lord Howe", timezone: ZONE, latitude: -31.55, longitude: 159.08, deployed_profile: "f", schedules: ["sunrise"] } },
      profiles: { f: { name: "Matrix, neutral", base: { metering: "matrix", ev: 0 } } },
    },
    clock: sharedClock(START, 1),
  });
  browser = await openBrowser();
  page = browser.page;
  page.on("response", (r) => {
    if (r.url().endsWith(".js")) scripts.set(new URL(r.url()).pathname, { status: r.status(), type: r.headers()["content-type"] ?? null });
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await hub?.stop(true);
});

test("a camera in another zone on its DST day: hub time and the day's bounds in its zone, from the served shared module", async () => {
  const reports: { from: string; to: string }[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.pathname === "/api/cameras/island/report") reports.push({ from: url.searchParams.get("from")!, to: url.searchParams.get("to")! });
  });
  await page.goto(`${hub.url}/dashboard/`);
  await page.evaluate((token) => sessionStorage.setItem("skylapse.token", token), hub.operatorToken);
  await page.goto(`${hub.url}/dashboard/#/cameras/island`);
  const zoneLine = page.locator("main p.zone");
  await zoneLine.waitFor();
  // Noon-ish on 4 Oct at +11 (the hub's clock runs in real time from 01:05Z).
  expect(await zoneLine.innerText()).toMatch(/^Times in Australia\/Lord_Howe .* hub time 4 Oct, 12:\d\d:\d\d GMT\+11$/);

  // The day of the change: local midnight at +10:30 to local midnight at +11.
  expect(reports).toContainEqual({ from: "2026-10-03T13:30:00.000Z", to: "2026-10-04T13:00:00.000Z" });
  // The day before: a whole 24 h at +10:30.
  expect(reports).toContainEqual({ from: "2026-10-02T13:30:00.000Z", to: "2026-10-03T13:30:00.000Z" });

  expect(scripts.get("/dashboard/shared/local-time.js")).toEqual({ status: 200, type: "text/javascript; charset=utf-8" });
  expect(browser.problems).toEqual([]);
}, 60_000);

test("the served module in the page: a wall time skipped by the jump moves forward by it", async () => {
  const moments = await page.evaluate(async () => {
    const lt = await import("/dashboard/shared/local-time.js" as string);
    const day = { year: 2026, month: 10, day: 4 };
    return [lt.localToUtc("Australia/Lord_Howe", day, 2, 15), lt.localToUtc("Australia/Lord_Howe", day, 2, 30)].map((t: number) => new Date(t).toISOString());
  });
  // 02:15 does not exist there that day: it reads as 02:45 (+11), the same as Bun's shared module.
  expect(moments).toEqual(["2026-10-03T15:45:00.000Z", "2026-10-03T15:30:00.000Z"]);
}, 30_000);
