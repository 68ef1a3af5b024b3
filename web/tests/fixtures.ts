// The test object the specs use: baseURL is the platform global_setup.ts started, and
// helpers sign in and check accessibility the same way everywhere.
import AxeBuilder from "@axe-core/playwright";
import { Page, expect, test as base } from "@playwright/test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { platformUrl, screenshotDir, serviceToken } from "./platform";

export const test = base.extend({
  baseURL: async ({}, use) => use(platformUrl()),
});
export { expect };

export async function signIn(page: Page, token = serviceToken()): Promise<void> {
  await page.goto("/");
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();
}

// No serious or critical axe violation on the page as it is now.
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const severe = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(severe.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join("; ")})`)).toEqual([]);
}

// The page in light and dark, at desktop and phone width, into build/screenshots/.
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  const viewport = page.viewportSize();
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [size, width, height] of [
      ["desktop", 1280, 800],
      ["phone", 390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.screenshot({ path: path.join(screenshotDir, `${name}-${scheme}-${size}.png`), fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: null });
  if (viewport) await page.setViewportSize(viewport);
}
