/**
 * The Alerts page and the fleet cards' alert badges in a real browser (Debian's
 * Chromium) against a real hub and agents: an agent killed, its offline alert on
 * the fleet card and on the Alerts page, acknowledged there; a maintenance window
 * added through the form; no console errors, no sideways scroll at phone width.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { AlertKind } from "../../hub/alerts/model";
import { type Browser, openBrowser, SHOTS, signIn } from "../harness/browser";
import { waitFor } from "../harness/processes";
import { type Fleet, startFleet } from "./fleet";

let fleet: Fleet;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  fleet = await startFleet({ speed: 20 });
  const rules = { defaults: Object.fromEntries(AlertKind.options.map((k) => [k, k === "offline" ? { threshold: 2, for_seconds: 0, clear_seconds: 60 } : { enabled: false }])) };
  await fleet.hub.json("/api/alerts/rules", { method: "PUT", body: JSON.stringify(rules) });
  await fleet.hub.json("/api/alerts/channels/ops", { method: "PUT", body: JSON.stringify({ type: "webhook", format: "ntfy", url: "http://127.0.0.1:9/alerts" }) });
  browser = await openBrowser({
    viewport: { width: 1366, height: 860 },
    expected: (m) => /status of 404/.test(m.text()) && /\/captures\/[^/]+\/(thumbnail|image)$/.test(m.location().url ?? ""),
  });
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
});

describe("dashboard alerts", () => {
  test("a killed agent: badge on its fleet card, listed as firing, acknowledged from the page; a window added through the form", async () => {
    await signIn(page, fleet.hub);
    await page.locator("li.card[data-camera=valley]").waitFor();

    await fleet.agents[1]!.stop(true);
    await waitFor("valley's alert firing", async () => (await fleet.hub.json("/api/alerts?state=firing")).alerts.length === 1, 60_000);
    await page.locator("li.card[data-camera=valley] .badge-alert", { hasText: "alert: offline" }).waitFor();
    expect(await page.locator("li.card[data-camera=ridge] .badge-alert").count()).toBe(0);

    await page.click("nav a[href='#/alerts']");
    const row = page.locator("#alerts-firing tr", { hasText: "valley" });
    await row.waitFor();
    expect(await row.textContent()).toContain("no contact for");
    await page.locator("#alerts-channels tr", { hasText: "webhook (ntfy)" }).waitFor();
    await page.screenshot({ path: join(SHOTS, "alerts-laptop.png"), fullPage: true });
    await row.locator("button", { hasText: "Acknowledge" }).click();
    await page.locator("#alerts-acknowledged tr", { hasText: "valley" }).waitFor();
    expect((await fleet.hub.json("/api/alerts?state=acknowledged")).alerts.map((a: any) => a.camera_id)).toEqual(["valley"]);

    await page.selectOption("form[aria-label='Plan a maintenance window'] select[name=camera_id]", "ridge");
    await page.fill("form[aria-label='Plan a maintenance window'] input[name=reason]", "lens cleaning");
    await page.click("form[aria-label='Plan a maintenance window'] button[type=submit]");
    await page.locator("#alerts-maintenance tr", { hasText: "lens cleaning" }).waitFor();
    expect((await fleet.hub.json("/api/alerts/maintenance")).windows.map((w: any) => [w.camera_id, w.reason])).toEqual([["ridge", "lens cleaning"]]);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, "alerts-phone.png"), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    expect(browser.problems).toEqual([]);
  }, 120_000);
});
