/**
 * Chromium for the dashboard's browser tests: Debian's binary, headless, in a
 * throwaway profile, with every console error and page error collected in
 * `problems` (bar those the test expects), and the dashboard's sign-in.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type BrowserContext, chromium, type ConsoleMessage, type Page } from "playwright-core";
import { tempDir } from "./processes";

/** Where tests put their screenshots (made on first use). */
export const SHOTS = join(import.meta.dir, "..", "..", "test-artifacts", "screenshots");

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors, each a line; a test ends expecting it empty. */
  problems: string[];
  close(): Promise<void>;
}

export interface BrowserOptions {
  viewport?: { width: number; height: number };
  /** Console errors the page is expected to log (e.g. a thumbnail not at the hub yet: a 404). */
  expected?: (m: ConsoleMessage) => boolean;
}

export async function openBrowser(options: BrowserOptions = {}): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  const profileDir = tempDir("chromium");
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    ...(options.viewport ? { viewport: options.viewport } : {}),
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !options.expected?.(m)) problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** Opens the dashboard at `hash` and signs in with the operator token. */
export async function signIn(page: Page, hub: { url: string; operatorToken: string }, hash = "#/fleet"): Promise<void> {
  await page.goto(`${hub.url}/dashboard/${hash}`);
  await page.fill("form.login input[name=token]", hub.operatorToken);
  await page.click("form.login button[type=submit]");
}
