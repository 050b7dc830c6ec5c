/**
 * The web dashboard in a real browser (playwright-core driving Debian's Chromium)
 * against a real hub fed by real simulated agents: each page shows real data with
 * no console errors, and the daily work — publish a version, assign it, roll it
 * back, start an A/B test and open its pairs, start a render and watch it finish —
 * goes through the pages. At phone width no page scrolls sideways and no table is
 * wider than its box. Screenshots land in test-artifacts/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ConsoleMessage, Page } from "playwright-core";
import { type Browser, openBrowser, SHOTS } from "../harness/browser";
import { captureRecord } from "../harness/fixtures";
import { waitFor } from "../harness/processes";
import { type Fleet, startFleet } from "./fleet";

const LAPTOP = { width: 1366, height: 860 };
const PHONE = { width: 390, height: 844 };

let fleet: Fleet;
let browser: Browser;
let page: Page;
/** While set, an answer with this status (and Chromium's console line about it) is expected: a wrong token or a bad field is being tried. */
let expectingStatus: number | null = null;

/**
 * Chromium logs every 4xx answer to a fetch as a console error. Some are expected:
 * a picture not on the hub yet (404 for a thumbnail/full image the agent has not
 * uploaded: the page shows a placeholder), the 401 of the wrong-token steps and the
 * 422 of the steps that try a bad field.
 */
function expected(message: ConsoleMessage): boolean {
  const url = message.location().url ?? "";
  if (/status of 404/.test(message.text()) && /\/api\/cameras\/[^/]+\/captures\/[^/]+\/(thumbnail|image)$/.test(url)) return true;
  if (expectingStatus !== null && message.text().includes(`status of ${expectingStatus}`)) return true;
  return false;
}

async function shot(name: string) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * At the current viewport width: how far the page scrolls sideways, and every table
 * that does not fit its box (wider than its parent or its parent past the viewport's
 * edge), named by the section it is in.
 */
async function overflows() {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const tables = [...document.querySelectorAll("main table")].flatMap((table) => {
      const box = table.parentElement!;
      const where = table.closest("section")?.querySelector("h2")?.textContent ?? table.className;
      const out: string[] = [];
      if (table.scrollWidth > box.clientWidth + 1) out.push(`${where}: table ${table.scrollWidth} px wide in a ${box.clientWidth} px box`);
      if (box.getBoundingClientRect().right > width + 1) out.push(`${where}: box ends at ${Math.round(box.getBoundingClientRect().right)} px of ${width}`);
      return out;
    });
    return { sideways: document.documentElement.scrollWidth - width, tables, count: document.querySelectorAll("main table").length };
  });
}

/** A screenshot at phone width, and at that width no table overflows and the page does not scroll sideways. */
async function phone(name: string, tables: number) {
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(300);
  await shot(`${name}-phone`);
  const measured = await overflows();
  await page.setViewportSize(LAPTOP);
  expect(measured.tables).toEqual([]);
  expect(measured.sideways).toBeLessThanOrEqual(0);
  expect(measured.count).toBeGreaterThanOrEqual(tables);
}

/** The player of a render sits above the table it was started from. */
async function playerAboveTable(scope: ReturnType<Page["locator"]>, id: string) {
  const player = await scope.locator(`figure[data-timelapse="${id}"]`).boundingBox();
  const table = await scope.locator("table.timelapses").boundingBox();
  expect(player!.y + player!.height).toBeLessThanOrEqual(table!.y);
}

async function go(hash: string) {
  await page.evaluate((h) => (location.hash = h), hash);
}

const api = <T = any>(path: string, init?: RequestInit) => fleet.hub.json<T>(path, init);

beforeAll(async () => {
  fleet = await startFleet({ speed: 20 });
  browser = await openBrowser({ viewport: LAPTOP, expected });
  page = browser.page;
  // Some pictures on the hub before the pages look for them.
  await waitFor("both cameras' first thumbnails at the hub", async () => {
    const fleetNow = await api("/api/fleet");
    return fleetNow.cameras.filter((c: any) => c.images?.last_uploaded_at).length === 2;
  }, 40_000, 250);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
});

describe("dashboard in Chromium against a live hub and two agents", () => {
  test("static files: / redirects, strict CSP and nosniff, no token needed, nothing outside the asset map", async () => {
    const root = await fetch(`${fleet.hub.url}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/dashboard/");
    const index = await fetch(`${fleet.hub.url}/dashboard/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toContain("text/html");
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(index.headers.get("x-content-type-options")).toBe("nosniff");
    const script = await fetch(`${fleet.hub.url}/dashboard/app.js`);
    expect(script.headers.get("content-type")).toContain("text/javascript");
    for (const path of ["/dashboard/../hub/app.ts", "/dashboard/%2e%2e/hub/app.ts", "/dashboard/..%2f..%2fpackage.json", "/dashboard/lib/format.d.ts", "/dashboard/nope.js"]) {
      const res = await fetch(`${fleet.hub.url}${path}`);
      expect(res.status).toBe(404);
    }
  }, 60_000);

  test("sign-in: a wrong token is refused on the form; the right one opens the fleet and is kept for the session", async () => {
    await page.goto(`${fleet.hub.url}/`);
    await expect(page.locator("form.login input[name=token][type=password]").count()).resolves.toBe(1);
    await shot("login-laptop");
    expectingStatus = 401;
    await page.fill("input[name=token]", "not-the-operator-token-at-all");
    await page.click("form.login button[type=submit]");
    await page.locator(".notice-error", { hasText: "refused" }).waitFor();
    expectingStatus = null;
    await page.fill("input[name=token]", fleet.hub.operatorToken);
    await page.keyboard.press("Enter");
    await page.locator("h1", { hasText: "Fleet" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("skylapse.token"))).toBe(fleet.hub.operatorToken);
    expect(page.url()).toContain("#/fleet");
  }, 60_000);

  test("fleet: a card per camera, the one never installed waiting (not offline), thumbnails through blob: URLs, refreshed without a reload", async () => {
    await go("#/fleet");
    const cards = page.locator("li.card");
    await waitFor("three cards", async () => (await cards.count()) === 3, 15_000);
    // Summit was never started: waiting for its first contact, needing no attention, so in id order.
    const summit = page.locator('li.card[data-camera="summit"]');
    const summitText = await summit.innerText();
    expect(summitText).toMatch(/Status\s+waiting for first contact/);
    expect(summitText).not.toContain("offline");
    // It stands in Zurich: the zone shown is Zurich's.
    expect(summitText).toContain("Europe/Zurich");
    expect(await summit.getAttribute("class")).not.toContain("offline");
    expect(await page.locator(".summary").innerText()).toContain("1 waiting for first contact");
    const ridge = page.locator('li.card[data-camera="ridge"]');
    await waitFor("ridge's thumbnail", async () => ((await ridge.locator("img.thumb").getAttribute("src")) ?? "").startsWith("blob:"), 20_000);
    const text = await ridge.innerText();
    expect(text).toContain("online");
    expect(text).toMatch(/assigned f latest \(1\.0\.0\) · running f 1\.0\.0/);
    expect(text).toMatch(/Next capture\s+\d+ Nov, \d\d:\d\d MST/);
    expect(text).toMatch(/Disk\s+\d+ %/);
    // The page polls: its data moves on while the document stays the same one.
    await page.evaluate(() => ((window as any).sameDocument = true));
    const before = await page.locator("main").getAttribute("data-updated");
    await waitFor("a refresh", async () => (await page.locator("main").getAttribute("data-updated")) !== before, 15_000);
    expect(await page.evaluate(() => (window as any).sameDocument)).toBe(true);
    // Nothing in the page's markup carries the token.
    expect(await page.content()).not.toContain(fleet.hub.operatorToken);
    await shot("fleet-laptop");
    await phone("fleet", 0);
  }, 60_000);

  test("fleet: a camera whose frames clip the sky says so on its card, in words, with the run's start in its zone", async () => {
    // Summit never ran: its agent's records (ten frames with 37 % of the sky white) come in through its own token.
    const { token } = await api("/api/cameras/summit/token", { method: "POST" });
    const records = Array.from({ length: 10 }, (_, i) => captureRecord(i + 1, { measures: { mean_luma: 160, clipped_highlights_pct: 37.2, crushed_shadows_pct: 0 } }));
    const upload = await fetch(`${fleet.hub.url}/agent/v1/captures`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ log_id: "log-1", records }),
    });
    expect(upload.status).toBe(200);
    await go("#/fleet");
    const summit = page.locator('li.card[data-camera="summit"]');
    await waitFor("summit's clipped-sky reason", async () => (await summit.innerText().catch(() => "")).includes("sky clipped 37 % for 10 frames"), 20_000);
    const text = await summit.innerText();
    expect(text).toMatch(/Exposure\s+sky clipped 37 % for 10 frames since 24 Nov, 14:30 GMT\+1/);
    expect(await summit.locator(".badge-clipped").innerText()).toBe("highlights clipped");
    await shot("fleet-clipped");
  }, 60_000);

  test("camera: timeline, exposure chart, latest images with settings, the sync report, in the camera's zone", async () => {
    await go("#/cameras/ridge");
    await page.locator("#report-h").waitFor();
    const report = await api(`/api/cameras/ridge/report?from=2026-11-22T07:00:00Z&to=${new Date(Date.now() + 86_400_000).toISOString()}`);
    expect(report.captured).toBeGreaterThan(0);
    expect(await page.locator("svg.timeline path.captured").count()).toBeGreaterThan(0);
    expect(await page.locator("svg.timeline rect.window").count()).toBeGreaterThan(0);
    expect(await page.locator("svg.exposure path").count()).toBe(5);
    await expect(page.locator("main").innerText()).resolves.toContain("Times in America/Denver");
    const gallery = page.locator(".gallery li");
    expect(await gallery.count()).toBeGreaterThan(0);
    await waitFor("a gallery picture", async () => {
      const srcs = await page.locator(".gallery img").evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src));
      return srcs.some((s) => s.startsWith("blob:"));
    }, 15_000);
    const first = await gallery.last().innerText();
    expect(first).toMatch(/Shutter\s+1\/\d+ s/);
    expect(first).toMatch(/Luma\s+\d+/);
    expect(first).toContain("MST");
    const reportText = await page.locator("section[aria-labelledby=report-h]").innerText();
    expect(reportText).toMatch(/Planned\s+\d+/);
    expect(reportText).toContain("Outages");
    // The days' rows add up to the sync report of the same range: one count, two views.
    const rows = await page.locator("section[aria-labelledby=timeline-h] tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => Number(td.textContent))));
    const sum = (column: number) => rows.reduce((n, r) => n + r[column]!, 0);
    for (const [label, column] of [["Planned", 1], ["Captured", 2], ["Missed", 3]] as const) expect(reportText).toMatch(new RegExp(`${label}\\s+${sum(column)}\\b`));
    expect(reportText).toMatch(new RegExp(`Upcoming\\s+${sum(4)} \\(not due yet\\)`));
    // The full image opens in place, fetched with the token.
    await gallery.last().getByRole("button", { name: "Full image" }).click();
    await waitFor("the full image", async () => ((await page.locator(".viewer img").getAttribute("src").catch(() => null)) ?? "").startsWith("blob:"), 15_000);
    await shot("camera-laptop");
    await phone("camera", 2);
  }, 60_000);

  test("profiles: a refused field gets its message beside it; publish, see the diff, assign to a camera, roll back", async () => {
    // By keyboard: the skip link moves focus to the content; the navigation's links take
    // focus (visibly) and Enter follows them.
    const skip = page.locator("a.skip");
    await skip.focus();
    expect(await skip.evaluate((a) => a.getBoundingClientRect().left >= 0)).toBe(true);
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    const nav = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Profiles" });
    await nav.focus();
    expect(await nav.evaluate((a) => getComputedStyle(a).outlineStyle)).toBe("solid");
    await page.keyboard.press("Enter");
    await page.waitForURL(/#\/profiles$/);
    await page.locator("#pdetail-h").waitFor();
    await go("#/profiles/f");
    const ev = page.locator('input[name="base.ev"]');
    await ev.waitFor();
    await ev.fill("9");
    expectingStatus = 422;
    await page.getByRole("button", { name: "Publish new version" }).click();
    const evError = page.locator(`#${await ev.getAttribute("id")}-error`);
    await evError.waitFor({ state: "visible" });
    expectingStatus = null;
    expect(await evError.innerText()).toMatch(/<=\s*4|too big/i);
    expect(await ev.getAttribute("aria-invalid")).toBe("true");
    await shot("profiles-invalid");
    expect((await api("/api/profiles/f")).versions.length).toBe(1);

    await ev.fill("0.7");
    await page.getByRole("button", { name: "Publish new version" }).click();
    await page.locator(".notice-ok", { hasText: "Published f 1.1.0" }).waitFor();
    expect((await api("/api/profiles/f/versions/latest")).snapshot.base.ev).toBe(0.7);
    // The diff between the two versions shows the change.
    await page.locator("table.diff td", { hasText: "base.ev" }).waitFor();
    await expect(page.locator("table.diff").innerText()).resolves.toMatch(/base\.ev\s+0\s+0\.7/);

    // Assign 1.1.0 (pinned) to ridge.
    await page.locator('form.assign input[value="ridge"]').check();
    await page.selectOption("#assign-profile", "f");
    await page.selectOption("#assign-version", "1.1.0");
    await page.locator("form.assign").getByRole("button", { name: "Assign" }).click();
    await page.locator(".notice-ok", { hasText: "Assigned f 1.1.0 to ridge" }).waitFor();
    expect((await api("/api/cameras/ridge/assignment")).assigned).toMatchObject({ profile_id: "f", version: "1.1.0" });
    await waitFor("ridge to run 1.1.0", async () => (await api("/api/cameras/ridge/assignment")).converged, 20_000);
    await shot("profiles-laptop");
    await phone("profiles", 4);

    // Roll ridge back to the version before.
    await page.getByRole("button", { name: "Roll ridge back to f 1.0.0" }).click();
    await page.locator(".notice-ok", { hasText: "ridge: f 1.0.0" }).waitFor();
    expect((await api("/api/cameras/ridge/assignment")).assigned).toMatchObject({ profile_id: "f", version: "1.0.0" });
  }, 60_000);

  test("A/B: a test without cameras is refused at the field; one on valley runs, its pairs open side by side with a slider", async () => {
    await go("#/tests");
    await page.locator("#create-h").waitFor();
    await page.fill('input[name="id"]', "brighter");
    await page.fill('input[name="override.ev"]', "1");
    await page.fill('input[name="pairs"]', "3");
    expectingStatus = 422;
    await page.getByRole("button", { name: "Start test" }).click();
    await page.locator("#test-cameras-error").waitFor({ state: "visible" });
    expectingStatus = null;
    expect(await page.locator("#test-cameras-error").innerText()).toContain("camera_id or camera_ids");
    await page.locator('input[name="camera_ids"][value="valley"]').check();
    await page.getByRole("button", { name: "Start test" }).click();
    await page.waitForURL(/#\/tests\/brighter$/);
    expect((await api("/api/tests/brighter")).override).toEqual({ ev: 1 });
    await page.locator(".compare img.variant").waitFor({ timeout: 40_000 });
    await waitFor("both sides of a pair", async () => {
      const srcs = await page.locator(".compare img").evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src));
      return srcs.length === 2 && srcs.every((s) => s.startsWith("blob:"));
    }, 20_000);
    const slider = page.locator("#ab-slider");
    await slider.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
    expect(await page.locator(".compare").evaluate((el) => (el as HTMLElement).style.getPropertyValue("--split"))).toBe("55%");
    await expect(page.locator(".side-by-side").innerText()).resolves.toMatch(/Luma\s+\d+/);
    await waitFor("the test to finish", async () => (await api("/api/tests/brighter")).status === "done", 40_000);
    // The page catches up on its next poll: three pairs, the test done, a summary.
    await waitFor("three pairs on the page", async () => (await page.locator(".pairs-list button").count()) === 3, 15_000);
    await waitFor("the summary", async () => /Closer to mid-grey\s+(baseline|variant|tie)/.test(await page.locator("section[aria-labelledby=sum-h]").innerText()), 15_000);
    await page.locator(".status-pill.status-done").waitFor();
    await page.locator(".pairs-list button").first().click();
    expect(await page.locator(".pairs-list button").first().getAttribute("aria-pressed")).toBe("true");
    await shot("tests-laptop");
    await phone("tests-pair", 0);
    // The list counts the finished test's pairs against its target (per camera × cameras), and says which side won.
    await go("#/tests");
    const listed = (await api("/api/tests")).tests.find((t: any) => t.id === "brighter");
    const done = Object.values(listed.pairs_done as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(done).toBe(3);
    const row = page.locator('tr[data-test="brighter"]');
    await waitFor("the list's pairs", async () => (await row.locator("td.pairs").innerText().catch(() => "")) === `${done} / ${listed.pairs_target * listed.camera_ids.length}`, 15_000);
    expect(await row.locator("td.closer").innerText()).toMatch(/^(baseline|variant|tie)/);
    await shot("tests-list");
    await phone("tests-list", 1);
  }, 60_000);

  test("timelapses: start a render for a range, watch its progress to done, play it and offer it for download", async () => {
    await go("#/timelapses");
    await page.locator("#render-h").waitFor();
    await page.selectOption('select[name="camera_id"]', "ridge");
    await page.selectOption('select[name="source"]', "thumbnails");
    await page.getByRole("button", { name: "Start render" }).click();
    await page.locator(".notice-ok", { hasText: "queued" }).waitFor();
    const { timelapses } = await api("/api/timelapses?camera_id=ridge");
    const mine = timelapses.find((t: any) => t.origin === "request");
    expect(mine).toBeDefined();
    const row = page.locator(`tr[data-timelapse="${mine.id}"]`);
    await row.waitFor();
    await waitFor("the render to finish", async () => (await row.getAttribute("data-status")) === "done", 45_000, 250);
    expect((await api(`/api/timelapses/${mine.id}`)).status).toBe("done");
    await row.getByRole("button", { name: "Play" }).click();
    const video = page.locator(`figure[data-timelapse="${mine.id}"] video`);
    await video.waitFor();
    expect(await video.getAttribute("src")).toMatch(/^blob:/);
    await waitFor("the video's metadata", async () => (await video.evaluate((v) => (v as HTMLVideoElement).readyState)) >= 1, 15_000);
    expect(await video.evaluate((v) => (v as HTMLVideoElement).duration)).toBeGreaterThan(0);
    const download = page.locator(`figure[data-timelapse="${mine.id}"] a.download`);
    expect(await download.getAttribute("download")).toMatch(/^ridge_.*\.mp4$/);
    expect(await download.getAttribute("href")).toMatch(/^blob:/);
    await playerAboveTable(page.locator("section[aria-labelledby=tl-list-h]"), mine.id);
    await shot("timelapses-laptop");

    // Two cameras side by side, from the full images: a grid render of both.
    await page.locator('input[name="grid"][value="valley"]').check();
    await page.selectOption('select[name="source"]', "full");
    await page.getByRole("button", { name: "Start render" }).click();
    const grid = await waitFor("the grid render", async () => (await api("/api/timelapses")).timelapses.find((t: any) => t.camera_ids.length === 2), 10_000);
    expect(grid.camera_ids).toEqual(["ridge", "valley"]);
    const gridRow = page.locator(`tr[data-timelapse="${grid.id}"]`);
    await waitFor("the grid render to finish", async () => (await gridRow.getAttribute("data-status")) === "done", 45_000, 250);
    await expect(gridRow.innerText()).resolves.toContain("ridge, valley");
    await phone("timelapses", 1);
    // The camera page lists it too, plays it above its table, and renders a whole local day on request.
    await go("#/cameras/ridge");
    const section = page.locator("section[aria-labelledby=tl-h]");
    await section.locator(`tr[data-timelapse="${mine.id}"]`).getByRole("button", { name: "Play" }).click();
    await section.locator(`figure[data-timelapse="${mine.id}"] video`).waitFor();
    await playerAboveTable(section, mine.id);
    await phone("camera-timelapses", 2);
    await section.getByRole("button", { name: "Quick render of this day" }).click();
    await section.locator(".notice-ok", { hasText: "started" }).waitFor();
    const day = await waitFor("the day's render", async () => (await api("/api/timelapses?camera_id=ridge")).timelapses.find((t: any) => t.to.endsWith("T07:00:00.000Z")), 10_000);
    expect(day.from).toBe("2026-11-24T07:00:00.000Z"); // local midnight in Denver
    await waitFor("the day's render to finish", async () => (await section.locator(`tr[data-timelapse="${day.id}"]`).getAttribute("data-status")) === "done", 45_000, 250);
    // Deleted from its row: gone from the page and from the hub.
    const dayRow = section.locator(`tr[data-timelapse="${day.id}"]`);
    await dayRow.getByRole("button", { name: "Delete" }).click();
    await dayRow.waitFor({ state: "detached" });
    expect((await fleet.hub.api(`/api/timelapses/${day.id}`)).status).toBe(404);
  }, 60_000);

  test("sign-out clears the token; a token the hub no longer takes sends any page back to sign-in", async () => {
    await go("#/fleet");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("form.login").waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("skylapse.token"))).toBeNull();
    expectingStatus = 401;
    await page.evaluate(() => sessionStorage.setItem("skylapse.token", "revoked-token-0123456789"));
    await page.goto(`${fleet.hub.url}/dashboard/#/profiles`);
    await page.locator(".login .notice-error", { hasText: "sign in again" }).waitFor();
    expectingStatus = null;
    expect(await page.evaluate(() => sessionStorage.getItem("skylapse.token"))).toBeNull();
  }, 60_000);

  test("no console errors or page errors on any page", () => {
    expect(browser.problems).toEqual([]);
  });
});
