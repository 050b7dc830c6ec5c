/**
 * The health parts of the dashboard in Chromium against a real hub and two simulated
 * agents: the fleet cards carry a health line and the page the fleet's worst now,
 * and the camera page draws the health history as an inline SVG chart.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { type Browser, openBrowser, SHOTS, signIn } from "../harness/browser";
import { waitFor } from "../harness/processes";
import { type Fleet, startFleet } from "./fleet";

let fleet: Fleet;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  fleet = await startFleet({ speed: 60 });
  // A thumbnail not at the hub yet is a 404 the page expects.
  browser = await openBrowser({ viewport: { width: 1366, height: 860 }, expected: (m) => /status of 404/.test(m.text()) });
  page = browser.page;
  // Enough simulated minutes for a few 5-minute buckets.
  await waitFor("a few health buckets for ridge", async () => {
    const h = await fleet.hub.json(`/api/cameras/ridge/health`);
    return h.buckets.length >= 3;
  }, 60_000, 500);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
});

test("fleet cards show health, the page the worst now; the camera page plots the history", async () => {
  await signIn(page, fleet.hub);
  await page.locator("h1", { hasText: "Fleet" }).waitFor();
  const ridge = page.locator('li.card[data-camera="ridge"]');
  await waitFor("ridge's health line", async () => /Health\s+SoC \d+\.\d °C/.test(await ridge.innerText().catch(() => "")), 20_000);
  // The simulated valley camera runs on a battery over cellular.
  expect(await page.locator('li.card[data-camera="valley"]').innerText()).toMatch(/wwan0 \d+ %/);
  expect(await page.locator(".health-worst").innerText()).toMatch(/Health: hottest (ridge|valley) \d+\.\d °C/);

  await page.evaluate(() => (location.hash = "#/cameras/ridge"));
  const section = page.locator("section[aria-labelledby=health-h]");
  await section.locator("svg path").first().waitFor({ state: "attached" });
  const text = await section.innerText();
  expect(text).toMatch(/SoC\s+\d+\.\d °C/);
  expect(text).toMatch(/Link\s+wlan0 · Wi-Fi -\d+ dBm/);
  // One panel per series, each with a line through the buckets.
  expect(await section.locator("svg text.title").count()).toBe(7);
  expect(await section.locator("svg path").count()).toBeGreaterThanOrEqual(5);
  await section.locator("select#health-range").selectOption({ label: "7 days" });
  await section.locator("svg path").first().waitFor({ state: "attached" });
  await section.screenshot({ path: join(SHOTS, "camera-health-laptop.png") });
  expect(browser.problems).toEqual([]);
}, 90_000);
