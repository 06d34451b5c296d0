/** Headless Debian chromium driven by playwright-core (`npx playwright install` cannot download here). */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"];

/** A browser with a fresh profile (playwright's temporary user-data-dir); close it in afterAll. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Where a test run leaves its screenshots (gitignored). */
export function artifactsDir(name: string): string {
  const dir = path.resolve(__dirname, "../../test-artifacts", name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
