import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { expectAccessible } from "./axe";
import { expect } from "./fixtures";
import { REPO_ROOT } from "./stack";

export const SCREENSHOT_DIR = join(REPO_ROOT, "e2e", "screenshots");
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  mobile: { width: 390, height: 844 },
} as const;

/**
 * For each width: no horizontal overflow, no serious axe violations, and a full-page screenshot
 * in e2e/screenshots/<name>-<width>.png for people to look at.
 */
export async function checkPage(page: Page, name: string, ready: () => Promise<void>): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await ready();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} at ${label} width overflows horizontally by ${overflow}px`).toBeLessThanOrEqual(0);
    await expectAccessible(page, `${name} (${label})`);
    await page.screenshot({
      path: join(SCREENSHOT_DIR, `${name}-${label}.png`),
      fullPage: true,
      animations: "disabled",
    });
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}
